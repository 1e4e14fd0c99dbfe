/**
 * Maps a gr2 {@link Device} to ONNX Runtime execution providers, probing CUDA in our own try/catch
 * (ONNX Runtime's `executionProviders: ['cuda', 'cpu']` throws instead of falling back when the CUDA
 * provider library is missing).
 *
 * @packageDocumentation
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as Ort from 'onnxruntime-node';
import { log } from '../../env.js';
import { CudaUnavailableError } from './errors.js';
import { GraphBuilder } from './graph.js';
import type { OrtModule } from './backend.js';
import type { Device } from '../types.js';

/** Result of `resolveDevice` (internal). */
export interface DeviceResolution {
  /** The device that runs the kernels. */
  readonly device: 'cpu' | 'cuda';
  /** Execution providers for `InferenceSession.create`. */
  readonly executionProviders: readonly Ort.InferenceSession.ExecutionProviderConfig[];
  /** Their names, for `info()`. */
  readonly executionProviderNames: readonly string[];
  /** Why CUDA is not used under `'auto'`. */
  readonly fallbackReason?: string;
}

let probeModel: Uint8Array | undefined;

function identityModel(): Uint8Array {
  if (!probeModel) {
    const g = new GraphBuilder('gr2_cuda_probe');
    const x = g.input('x', 'float32', [1]);
    g.output(g.node('Identity', [x]), 'float32', [1], 'y');
    probeModel = g.toModel();
  }
  return probeModel;
}

function message(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!.trim();
}

/**
 * Checks the onnxruntime-node install for the CUDA provider library, so the common "not installed" case is
 * reported without ONNX Runtime printing a load error. Returns `null` when present or when the install
 * layout is not the one expected (the probe session then decides).
 */
function missingCudaLibrary(): string | null {
  try {
    const entry = createRequire(import.meta.url).resolve('onnxruntime-node');
    const dir = join(dirname(entry), '..', 'bin', 'napi-v6', process.platform, process.arch);
    if (!existsSync(join(dir, 'libonnxruntime.so.1'))) return null;
    if (existsSync(join(dir, 'libonnxruntime_providers_cuda.so'))) return null;
    return `libonnxruntime_providers_cuda.so is not installed in ${dir} (onnxruntime-node was installed without its CUDA libraries)`;
  } catch {
    return null;
  }
}

/**
 * @internal
 * Tries to create and run a one-node session on the CUDA execution provider alone.
 *
 * @param ort - the loaded `onnxruntime-node` module.
 * @param deviceId - the CUDA device ordinal.
 * @param useTf32 - when `false` (default), sets `NVIDIA_TF32_OVERRIDE=0` (unless set) before the probe session.
 * @returns `null` when CUDA works, otherwise the reason it does not.
 * @example
 * ```ts
 * await probeCuda(await import('onnxruntime-node'), 0);
 * // on a machine without the provider: 'libonnxruntime_providers_cuda.so is not installed in …'
 * ```
 */
export async function probeCuda(ort: OrtModule, deviceId: number, useTf32 = false): Promise<string | null> {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    return `onnxruntime-node ships the CUDA execution provider for linux x64 only (this is ${process.platform} ${process.arch})`;
  }
  const supported = typeof ort.listSupportedBackends === 'function' ? ort.listSupportedBackends() : [];
  if (supported.length > 0 && !supported.some((b) => b.name === 'cuda')) {
    return `this onnxruntime-node build lists no 'cuda' backend (supported: ${supported.map((b) => b.name).join(', ')})`;
  }
  const missing = missingCudaLibrary();
  if (missing) return missing;
  // must precede the first CUDA session (cuBLAS reads it when its handle is created)
  if (!useTf32 && process.env.NVIDIA_TF32_OVERRIDE === undefined) process.env.NVIDIA_TF32_OVERRIDE = '0';
  try {
    const session = await ort.InferenceSession.create(identityModel(), {
      executionProviders: [{ name: 'cuda', deviceId }],
      logSeverityLevel: 3,
    });
    try {
      await session.run({ x: new ort.Tensor('float32', new Float32Array([1]), [1]) });
    } finally {
      await session.release();
    }
    return null;
  } catch (e) {
    return `creating a session on the CUDA execution provider (deviceId ${deviceId}) failed: ${message(e)}`;
  }
}

/**
 * @internal
 * Resolves the execution providers for `device`:
 * - `'cpu'` → `['cpu']`;
 * - `'cuda'` → `[{name: 'cuda', deviceId}, 'cpu']` (CPU only for operators CUDA lacks), or throws
 *   {@link CudaUnavailableError} when the probe fails;
 * - `'auto'` → as `'cuda'` when the probe succeeds, else `['cpu']` with a logged warning and the reason
 *   in `fallbackReason`.
 *
 * @param ort - the loaded `onnxruntime-node` module.
 * @param device - the requested device.
 * @param deviceId - CUDA device ordinal.
 * @param useTf32 - allow TF32 matrix products on CUDA (`false` sets `NVIDIA_TF32_OVERRIDE=0` when unset).
 * @returns the execution providers, the device that runs, and the fallback reason if any.
 * @throws {@link CudaUnavailableError} for `'cuda'` without a working CUDA execution provider.
 * @example
 * ```ts
 * await resolveDevice(await import('onnxruntime-node'), 'auto', 0, false);
 * // without CUDA: { device: 'cpu', executionProviders: ['cpu'], executionProviderNames: ['cpu'], fallbackReason: '…' }
 * ```
 */
export async function resolveDevice(ort: OrtModule, device: Device, deviceId: number, useTf32: boolean): Promise<DeviceResolution> {
  if (device === 'cpu') return { device: 'cpu', executionProviders: ['cpu'], executionProviderNames: ['cpu'] };
  const reason = await probeCuda(ort, deviceId, useTf32);
  if (reason === null) {
    return {
      device: 'cuda',
      executionProviders: [{ name: 'cuda', deviceId }, 'cpu'],
      executionProviderNames: ['cuda', 'cpu'],
    };
  }
  if (device === 'cuda') throw new CudaUnavailableError(reason);
  // the expected case on a CPU-only machine: reported by info().fallbackReason, logged at info level, not a warning
  log('info', `onnx backend: device 'auto' falls back to the CPU: ${reason}.`);
  return { device: 'cpu', executionProviders: ['cpu'], executionProviderNames: ['cpu'], fallbackReason: reason };
}
