/** Downloads one object of the store into the cache: to a temp file beside its place, checked against the listing, then renamed. */
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';

/** An object as the listing gives it. */
export interface StoredObject {
  key: string;
  /** Without the quotes S3 puts around it. */
  etag: string;
  size: number;
}

/** A download that arrived whole but is not the object the listing names: its bytes must never be served. */
export class CorruptDownloadError extends Error {
  override name = 'CorruptDownloadError';
}

/** A single-part upload's ETag is the MD5 of its bytes; a multipart one's is `<md5 of the parts' md5s>-<parts>`. */
const MD5_ETAG = /^[0-9a-f]{32}$/;

export function unquoteEtag(etag: string): string {
  return etag.replace(/^"|"$/g, '');
}

/**
 * Writes `object` at `path`, or leaves `path` as it was. The bytes go to `<path>.<uuid>.tmp` in the
 * same folder (a rename within one file system is atomic), and only a download whose size and
 * checksum match the listing is renamed into place: a reader never sees a partial or corrupt file.
 * A single-part ETag is checked against the MD5 of the bytes; a multipart ETag cannot be computed
 * without the part sizes, nor can an encrypted object's (SSE-KMS, SSE-C), so there the size and the
 * ETag the GET answers (asked with If-Match, so that an object replaced since the listing is not
 * mixed up with it) stand for it.
 */
export async function downloadObject(client: S3Client, bucket: string, object: StoredObject, path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${randomUUID()}.tmp`;
  try {
    const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: object.key, IfMatch: `"${object.etag}"` }));
    const md5 = createHash('md5');
    let size = 0;
    await pipeline(
      response.Body as Readable,
      async function* (chunks: AsyncIterable<Buffer>) {
        for await (const chunk of chunks) {
          md5.update(chunk);
          size += chunk.length;
          yield chunk;
        }
      },
      createWriteStream(temporary),
    );
    checkDownload(object, {
      size,
      md5: md5.digest('hex'),
      etag: response.ETag === undefined ? null : unquoteEtag(response.ETag),
      // Under SSE-KMS or SSE-C, S3 makes even a single-part ETag something other than the MD5.
      etagIsMd5: !response.ServerSideEncryption?.startsWith('aws:kms') && response.SSECustomerAlgorithm === undefined,
    });
    await rename(temporary, path);
  } finally {
    await rm(temporary, { force: true });
  }
}

interface Downloaded {
  size: number;
  md5: string;
  /** The ETag the GET answered. */
  etag: string | null;
  etagIsMd5: boolean;
}

function checkDownload(object: StoredObject, got: Downloaded): void {
  const name = `s3 object ${object.key}`;
  if (got.size !== object.size) throw new CorruptDownloadError(`${name}: downloaded ${got.size} bytes, the store lists ${object.size}`);
  if (got.etagIsMd5 && MD5_ETAG.test(object.etag)) {
    if (got.md5 !== object.etag)
      throw new CorruptDownloadError(`${name}: its bytes have MD5 ${got.md5}, the store's ETag is ${object.etag}`);
  } else if (got.etag !== null && got.etag !== object.etag) {
    throw new CorruptDownloadError(`${name}: the store answered ETag ${got.etag}, its listing said ${object.etag}`);
  }
}
