import { describe, expect, it } from 'vitest';
import { rejectionOf, trimOrtMessage } from '../../src/runtime/ort-rejection.ts';

describe('rejectionOf', () => {
  it("should make onnxruntime's run error an INFERENCE_REJECTED carrying its words", () => {
    const error = rejectionOf(new Error("Non-zero status code returned while running MatMul node. Name:'MatMul_5'"));
    expect(error.code).toBe('INFERENCE_REJECTED');
    expect(error.message).toBe("onnxruntime refused the inputs: Non-zero status code returned while running MatMul node. Name:'MatMul_5'");
  });

  it('should keep a failure to allocate memory the server’s own, without its text', () => {
    const error = rejectionOf(new Error('Failed to allocate memory for requested buffer of size 123456789'));
    expect(error.code).toBe('INTERNAL');
    expect(error.message).not.toContain('123456789');
  });
});

describe('trimOrtMessage', () => {
  it("should keep the file name of onnxruntime's source, not the path of its build", () => {
    const raw = 'Status Message: /onnxruntime_src/onnxruntime/core/providers/cpu/math/element_wise_ops.h:563 void Init() failed';
    expect(trimOrtMessage(raw)).toBe('Status Message: element_wise_ops.h:563 void Init() failed');
    expect(trimOrtMessage('cannot open C:\\a\\b\\model.onnx: bad')).toBe('cannot open model.onnx: bad');
  });

  it('should drop stack lines and fold the rest into one line', () => {
    expect(trimOrtMessage('bad dims\n    at Session.run (file:///x/y.js:1:2)\n  second line')).toBe('bad dims second line');
  });

  it('should cut a huge message short', () => {
    const trimmed = trimOrtMessage(`shape ${'[1,2,3]'.repeat(10_000)}`);
    expect(trimmed.length).toBeLessThanOrEqual(401);
    expect(trimmed.endsWith('…')).toBe(true);
  });
});
