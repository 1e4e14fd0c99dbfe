/**
 * Compile-time tests of the public typings (checked by `npm run typecheck`, which `npm test` runs first): each
 * `@ts-expect-error` line must fail to compile, or the type-check fails. The runtime part checks the same calls
 * are rejected at run time for JavaScript callers.
 */
import { describe, expect, it } from 'vitest';
import { setBackend, type OnnxBackendOptions } from '../../src/backend/index.js';

async function typeOnly(): Promise<void> {
  await setBackend('onnx', { device: 'cpu', intraOpNumThreads: 2 });
  await setBackend('onnx');
  await setBackend('js');
  const custom: string = 'my-backend';
  await setBackend(custom, { anything: true }); // a user's backend takes its own options
  // @ts-expect-error 'gpu' is not an ONNX device ('auto' | 'cpu' | 'cuda')
  await setBackend('onnx', { device: 'gpu' });
  // @ts-expect-error the js reference backend takes no options (device is an onnx option)
  await setBackend('js', { device: 'cuda' });
  // @ts-expect-error deviceId is a number
  const bad: OnnxBackendOptions = { deviceId: '0' };
  void bad;
}
void typeOnly;

describe('backend option typings', () => {
  it("the onnx factory rejects an unknown device at run time too, naming 'device'", async () => {
    await expect(setBackend('onnx', { device: 'gpu' } as never)).rejects.toThrow(/'options.device' must be one of 'auto', 'cpu', 'cuda'/);
  });
});
