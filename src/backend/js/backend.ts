/**
 * The pure TypeScript reference backend (`'js'`).
 *
 * @packageDocumentation
 */
import type { BackendInfo, TensorBackend } from '../types.js';

/**
 * The reference backend: exact float64 accumulation over typed arrays, no native code. Registered as
 * `'js'` (priority 1); its kernels live in `js/kernels/`.
 *
 * @example
 * ```ts
 * new JsBackend().info();   // { name: 'js', device: 'cpu', executionProviders: ['js'], version: process.versions.node }
 * ```
 */
export class JsBackend implements TensorBackend {
  readonly name: string;
  constructor(name = 'js') {
    this.name = name;
  }
  info(): BackendInfo {
    return { name: this.name, device: 'cpu', executionProviders: ['js'], version: process.versions.node };
  }
  async dispose(): Promise<void> {}
}
