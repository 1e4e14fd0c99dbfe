import type { KernelConfig } from '../../types.js';

/** Reference `accumulate`: float64 segment sums, rounded to float32 once. */
export const accumulateConfig: KernelConfig<'accumulate'> = {
  kernelName: 'accumulate',
  backendName: 'js',
  kernelFunc: (_backend, { x, index }, { k }) => {
    const [n, d] = x.dims as [number, number];
    const acc = new Float64Array(k * d);
    const counts = new Int32Array(k);
    const X = x.data;
    for (let i = 0; i < n; i++) {
      const j = index[i]!;
      counts[j]!++;
      const o = j * d;
      const xo = i * d;
      for (let t = 0; t < d; t++) acc[o + t]! += X[xo + t]!;
    }
    return { sums: Float32Array.from(acc), counts };
  },
};
