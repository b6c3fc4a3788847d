/** The S3 client of a repository in object storage: the AWS SDK's own credential chain, an endpoint for S3-compatible stores. */
import { S3Client } from '@aws-sdk/client-s3';

export interface ObjectStoreClientOptions {
  /** An S3-compatible store (MinIO, Ceph, s3rver…); its buckets are addressed by path. Without it, AWS S3 or AWS_ENDPOINT_URL_S3. */
  endpoint?: string | undefined;
  /** @default AWS_REGION, else AWS_DEFAULT_REGION, else 'us-east-1' */
  region?: string;
}

/** Past these a store that accepts a connection and then says nothing counts as unreachable, in ms. */
const CONNECTION_TIMEOUT_MS = 5000;
const REQUEST_TIMEOUT_MS = 60_000;

/**
 * Credentials come from the SDK's default chain (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY,
 * AWS_PROFILE and ~/.aws, web identity, instance metadata): nothing of ours to configure or leak.
 */
export function createObjectStoreClient({
  endpoint,
  region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
}: ObjectStoreClientOptions = {}): S3Client {
  return new S3Client({
    region,
    // Most S3-compatible stores serve buckets at a path, not as a subdomain of the endpoint.
    ...(endpoint === undefined ? {} : { endpoint, forcePathStyle: true }),
    // We check every download against its ETag ourselves (object-store-cache.ts), which works
    // with stores that know no flexible checksums; the SDK's own adds nothing for a GET.
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: { connectionTimeout: CONNECTION_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS },
  });
}
