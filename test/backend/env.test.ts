/**
 * `env.backends.onnx`: a placeholder until ONNX Runtime loads, then ONNX Runtime's own `ort.env`.
 * Own file (own process): the check needs ONNX Runtime not yet loaded by another test.
 */
import { describe, expect, it } from 'vitest';
import { createOnnxBackend } from '../../src/backend/index.js';
import { env } from '../../src/env.js';

describe('env.backends.onnx', () => {
  it("settings made before ONNX Runtime loads reach ort.env; afterwards it is ort.env", async () => {
    expect(env.backends.onnx.logLevel).toBeUndefined(); // a plain placeholder, nothing loaded yet
    env.backends.onnx.logLevel = 'error';
    const backend = await createOnnxBackend({ device: 'cpu' });
    const ort = await import('onnxruntime-node');
    try {
      expect(env.backends.onnx).toBe(ort.env);
      expect(ort.env.logLevel).toBe('error');
      expect(env.backends.onnx.versions?.common).toBe(backend.info().version);
      env.backends.onnx.logLevel = 'fatal'; // now a direct write to ort.env
      expect(ort.env.logLevel).toBe('fatal');
    } finally {
      ort.env.logLevel = 'warning';
      await backend.dispose();
    }
  });

  it('a value ONNX Runtime rejects throws RangeError naming it; a new placeholder is applied at the next initialisation', async () => {
    const ort = await import('onnxruntime-node');
    try {
      env.backends.onnx = { logLevel: 'loud' as 'error' };
      await expect(createOnnxBackend({ device: 'cpu' })).rejects.toThrow(RangeError);
      env.backends.onnx = { logLevel: 'loud' as 'error' };
      await expect(createOnnxBackend({ device: 'cpu' })).rejects.toThrow(/'env.backends.onnx.logLevel'/);
      env.backends.onnx = { debug: true };
      const backend = await createOnnxBackend({ device: 'cpu' });
      expect(env.backends.onnx).toBe(ort.env);
      expect(ort.env.debug).toBe(true);
      await backend.dispose();
    } finally {
      ort.env.debug = false;
      ort.env.logLevel = 'warning';
      env.backends.onnx = ort.env;
    }
  });
});
