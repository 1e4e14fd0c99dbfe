/**
 * The `'onnx'` backend (ONNX Runtime). Only this folder imports `onnxruntime-node`, and only through the
 * dynamic `import()` in {@link createOnnxBackend}; the graph builder (`graph.ts`) loads no native code.
 *
 * @packageDocumentation
 */
import { env } from '../../env.js';
import { BackendInitError, assertNonNegativeInteger, assertOneOf, assertPositiveInteger, rangeError, typeError } from '../../errors.js';
import { registerKernel } from '../kernel_registry.js';
import type { Device } from '../types.js';
import { OnnxBackend, type OrtModule } from './backend.js';
import { resolveDevice } from './devices.js';
import { accumulateConfig } from './kernels/accumulate.js';
import { fullKlConfig } from './kernels/full_kl.js';
import { logSoftmaxGatherConfig } from './kernels/log_softmax_gather.js';
import { matMulConfig } from './kernels/mat_mul.js';
import { nearestConfig } from './kernels/nearest.js';
import { policyLossConfig } from './kernels/policy_loss.js';
import type { OnnxBackendOptions } from './options.js';

export { OnnxBackend, type OrtModule, type OnnxFeed, type ModelSource } from './backend.js';
export type { DeviceResolution } from './devices.js';

for (const config of [nearestConfig, accumulateConfig, matMulConfig, logSoftmaxGatherConfig, policyLossConfig, fullKlConfig]) {
  registerKernel(config);
}

const DEVICES: readonly Device[] = ['auto', 'cpu', 'cuda'];

/**
 * Makes `env.backends.onnx` ONNX Runtime's own `env`: the fields set on the placeholder before ONNX Runtime
 * loaded are copied onto `ort.env` (plain nested objects such as `wasm` merged; `versions` is read-only).
 */
function adoptOrtEnv(fn: string, ortEnv: OrtModule['env']): void {
  const pending = env.backends.onnx;
  if (pending === ortEnv) return;
  const target = ortEnv as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(pending as Record<string, unknown>)) {
    if (key === 'versions' || value === undefined) continue;
    try {
      const current = target[key];
      if (value !== null && typeof value === 'object' && current !== null && typeof current === 'object') Object.assign(current, value);
      else target[key] = value;
    } catch (e) {
      throw rangeError(fn, `env.backends.onnx.${key}`, `a value ONNX Runtime accepts (${e instanceof Error ? e.message : String(e)})`, value);
    }
  }
  env.backends.onnx = ortEnv;
}

async function loadOrt(fn: string): Promise<OrtModule> {
  let ort: OrtModule;
  try {
    ort = (await import('onnxruntime-node')) as OrtModule;
  } catch (e) {
    throw new BackendInitError(
      `onnx backend: cannot load onnxruntime-node (${e instanceof Error ? e.message : String(e)}). ` +
        "Install it with 'npm install onnxruntime-node@1.30.0' (set ONNXRUNTIME_NODE_INSTALL=skip when offline).",
      { cause: e },
    );
  }
  adoptOrtEnv(fn, ort.env);
  return ort;
}

/**
 * Creates the ONNX Runtime backend: loads `onnxruntime-node`, resolves the device (see
 * `resolveDevice`) and returns an {@link OnnxBackend} whose kernels are small cached graphs.
 *
 * @param options - device, deviceId, useTf32, intraOpNumThreads, sessionOptions.
 * Loading ONNX Runtime makes `env.backends.onnx` its `ort.env` (settings made before are copied over).
 *
 * @throws TypeError/RangeError for malformed options (or a value set on `env.backends.onnx` that ONNX
 *   Runtime rejects, naming it); `CudaUnavailableError` for `device: 'cuda'` without
 *   a working CUDA execution provider; {@link BackendInitError} when ONNX Runtime cannot be loaded.
 * @example
 * ```ts
 * const backend = await createOnnxBackend({ device: 'cpu' });
 * backend.info(); // { name: 'onnx', device: 'cpu', executionProviders: ['cpu'], version: '1.30.0' }
 * ```
 */
export async function createOnnxBackend(options: OnnxBackendOptions = {}): Promise<OnnxBackend> {
  const fn = 'createOnnxBackend';
  if (typeof options !== 'object' || options === null) throw typeError(fn, 'options', 'an object', options);
  const device = options.device ?? 'auto';
  assertOneOf(fn, 'options.device', device, DEVICES);
  const deviceId = options.deviceId ?? 0;
  assertNonNegativeInteger(fn, 'options.deviceId', deviceId);
  const useTf32 = options.useTf32 ?? false;
  if (typeof useTf32 !== 'boolean') throw typeError(fn, 'options.useTf32', 'a boolean', useTf32);
  if (options.intraOpNumThreads !== undefined) assertPositiveInteger(fn, 'options.intraOpNumThreads', options.intraOpNumThreads);
  if (options.sessionOptions !== undefined && (typeof options.sessionOptions !== 'object' || options.sessionOptions === null)) {
    throw typeError(fn, 'options.sessionOptions', 'an object', options.sessionOptions);
  }
  const ort = await loadOrt(fn);
  const resolved = await resolveDevice(ort, device, deviceId, useTf32);
  const sessionOptions = {
    graphOptimizationLevel: 'all' as const,
    logSeverityLevel: 3 as const,
    // kernels run in short bursts from JS: spinning intra-op threads only burn shared cores between runs
    extra: { session: { intra_op: { allow_spinning: '0' } } },
    ...options.sessionOptions,
    ...(options.intraOpNumThreads !== undefined ? { intraOpNumThreads: options.intraOpNumThreads } : {}),
    executionProviders: resolved.executionProviders,
  };
  return new OnnxBackend(ort, sessionOptions, {
    name: 'onnx',
    device: resolved.device,
    executionProviders: resolved.executionProviderNames,
    ...(resolved.fallbackReason !== undefined ? { fallbackReason: resolved.fallbackReason } : {}),
    version: ort.env.versions.common,
  });
}
