/**
 * ws unmasks every frame a client sends. Without bufferutil it does so in a JavaScript loop, a tenth of the main
 * thread's work under WebSocket OCR load (npm run bench -- --transport ws-base64 --profile); bufferutil is an
 * optional peer of ws, so losing it (or its prebuilt binary failing to load, say on another libc) is silent.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

describe('WebSocket frames', () => {
  it("should be unmasked by bufferutil's native code where ws looks for it", () => {
    const fromWs = createRequire(createRequire(import.meta.url).resolve('ws'));
    const bufferutil = fromWs('bufferutil') as { unmask: (buffer: Buffer, mask: Buffer) => void };
    expect(bufferutil).not.toBe(fromWs('bufferutil/fallback'));
    const frame = Buffer.from('a frame long enough for the native path, over 32 bytes');
    const mask = Buffer.from([1, 2, 3, 4]);
    const masked = Buffer.from(frame.map((byte, index) => byte ^ mask[index % 4]!));
    bufferutil.unmask(masked, mask);
    expect(masked.toString()).toBe(frame.toString());
  });
});
