/** The TLS half of the config: a certificate and key read once at start-up, or plain HTTP. */
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import type { Config } from '../config.ts';

export interface TlsFiles {
  cert: Buffer;
  key: Buffer;
}

/**
 * The certificate and key the config names, read and checked, or null when it names neither.
 * Throws a message naming the flag and the file when one is given without the other, a file
 * cannot be read, or the two are not a PEM certificate and its key; never the key's contents.
 */
export function readTlsFiles({ tlsCert, tlsKey }: Pick<Config, 'tlsCert' | 'tlsKey'>): TlsFiles | null {
  if (tlsCert === undefined && tlsKey === undefined) return null;
  if (tlsCert === undefined || tlsKey === undefined) {
    const [given, missing] = tlsCert === undefined ? ['--tls-key', '--tls-cert'] : ['--tls-cert', '--tls-key'];
    throw new Error(`TLS needs both --tls-cert and --tls-key (TLS_CERT, TLS_KEY): ${given} is set, ${missing} is not`);
  }
  const files = { cert: readPem(tlsCert, '--tls-cert'), key: readPem(tlsKey, '--tls-key') };
  try {
    createSecureContext(files);
  } catch (error) {
    // OpenSSL's reason ("key values mismatch", "no start line") says what is wrong; it holds no key material.
    throw new Error(`--tls-cert ${tlsCert} and --tls-key ${tlsKey} are not a PEM certificate and its key: ${(error as Error).message}`);
  }
  return files;
}

function readPem(path: string, flag: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new Error(`cannot read ${flag} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}
