/**
 * Base64 of bytes and back with `btoa`/`atob`, which Node 20 and every browser have (Buffer is Node's alone,
 * Uint8Array.fromBase64 is too new for Node 20): written here because no dependency is worth these few lines.
 */

/** Characters per String.fromCharCode call: far below the engines' argument limits. */
const CHUNK = 0x8000;

export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let start = 0; start < bytes.length; start += CHUNK) {
    binary += String.fromCharCode(...bytes.subarray(start, start + CHUNK));
  }
  return btoa(binary);
}

export function base64ToBytes(base64: string): Uint8Array<ArrayBuffer> {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
  return bytes;
}
