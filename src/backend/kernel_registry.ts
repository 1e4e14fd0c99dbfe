/**
 * Kernel registry keyed by `backendName_kernelName` (tfjs `kernel_registry.ts`).
 *
 * @packageDocumentation
 */
import { KernelNotImplementedError, typeError } from '../errors.js';
import type { AnyKernelConfig, KernelConfig, KernelFunc, KernelName } from './types.js';

const KEY = Symbol.for('gr2.kernelRegistry');
const holder = globalThis as unknown as Record<symbol, Map<string, KernelConfig> | undefined>;
const kernels: Map<string, KernelConfig> = holder[KEY] ?? new Map();
holder[KEY] = kernels;

/**
 * Registers a kernel implementation for a backend. Re-registering replaces the previous implementation.
 *
 * @example
 * ```ts
 * registerKernel({ kernelName: 'matMul', backendName: 'mine', kernelFunc: (b, { a, b: m }, attrs) => … });
 * ```
 */
export function registerKernel(config: AnyKernelConfig): void {
  const fn = 'registerKernel';
  const c = config as unknown as Record<string, unknown> | null;
  if (c === null || typeof c !== 'object') throw typeError(fn, 'config', 'a {kernelName, backendName, kernelFunc} object', c);
  if (typeof c['kernelName'] !== 'string') throw typeError(fn, 'config.kernelName', 'a string', c['kernelName']);
  if (typeof c['backendName'] !== 'string') throw typeError(fn, 'config.backendName', 'a string', c['backendName']);
  if (typeof c['kernelFunc'] !== 'function') throw typeError(fn, 'config.kernelFunc', 'a function', c['kernelFunc']);
  kernels.set(`${config.backendName}_${config.kernelName}`, config as unknown as KernelConfig);
}

/**
 * The kernel `kernelName` registered for `backendName`, or `undefined`.
 *
 * @param backendName - a backend name (`'js'`, `'onnx'`, …).
 * @param kernelName - a kernel name.
 * @returns the kernel function, or `undefined` when none is registered.
 * @example
 * ```ts
 * findKernel('js', 'nearest') !== undefined;   // true
 * findKernel('mine', 'nearest');               // undefined
 * ```
 */
export function findKernel<K extends KernelName>(backendName: string, kernelName: K): KernelFunc<K> | undefined {
  if (typeof backendName !== 'string') throw typeError('findKernel', 'backendName', 'a string', backendName);
  if (typeof kernelName !== 'string') throw typeError('findKernel', 'kernelName', 'a string', kernelName);
  return kernels.get(`${backendName}_${kernelName}`)?.kernelFunc as KernelFunc<K> | undefined;
}

/**
 * The kernel `kernelName` registered for `backendName`.
 *
 * @param backendName - a backend name.
 * @param kernelName - a kernel name.
 * @returns the kernel function.
 * @throws {@link index!KernelNotImplementedError | KernelNotImplementedError} when the backend has no such kernel.
 * @example
 * ```ts
 * const f = getKernel('js', 'matMul');   // (backend, {a, b}, {transposeA, transposeB}) => Promise<Matrix>
 * ```
 */
export function getKernel<K extends KernelName>(backendName: string, kernelName: K): KernelFunc<K> {
  const fn = findKernel(backendName, kernelName);
  if (!fn) throw new KernelNotImplementedError(kernelName, backendName);
  return fn;
}

/**
 * Names of the kernels registered for a backend, in registration order.
 *
 * @param backendName - a backend name.
 * @returns kernel names.
 * @example
 * ```ts
 * listKernels('onnx');   // ['nearest', 'accumulate', 'matMul', 'logSoftmaxGather', 'policyLoss', 'fullKl']
 * ```
 */
export function listKernels(backendName: string): string[] {
  if (typeof backendName !== 'string') throw typeError('listKernels', 'backendName', 'a string', backendName);
  const prefix = `${backendName}_`;
  return [...kernels.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
}
