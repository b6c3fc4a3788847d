/** Where a repository in an S3-compatible store lives: `s3://bucket/prefix`, and the local folder it is cached in. */
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ObjectStoreLocation {
  bucket: string;
  /** The key prefix the repository's model folders sit under, '' or ending in '/'. */
  prefix: string;
}

const URL_PATTERN = /^s3:\/\/([^/]+)\/?(.*)$/;

/** Whether a `--model-repository` value names an object store rather than a folder. */
export function isObjectStoreUrl(text: string): boolean {
  return URL_PATTERN.test(text);
}

/** `s3://bucket/some/prefix` → `{ bucket: 'bucket', prefix: 'some/prefix/' }`; null when the text is not such a URL. */
export function parseObjectStoreUrl(text: string): ObjectStoreLocation | null {
  const match = URL_PATTERN.exec(text);
  if (!match) return null;
  const path = match[2]!.replace(/^\/+|\/+$/g, '');
  return { bucket: match[1]!, prefix: path === '' ? '' : `${path}/` };
}

/**
 * The cache folder used when `--model-cache-dir` is not given: one per bucket and prefix under the
 * OS temp dir, so that two repositories never share one and a restart finds its warm cache again.
 */
export function defaultCacheDir({ bucket, prefix }: ObjectStoreLocation): string {
  const name = [bucket, ...prefix.split('/').filter((part) => part !== '')].join('_');
  return join(tmpdir(), `infergraph-s3-${name.replace(/[^A-Za-z0-9._-]/g, '-')}`);
}
