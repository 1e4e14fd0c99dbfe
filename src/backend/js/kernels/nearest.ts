import type { KernelConfig } from '../../types.js';

/** Reference `nearest`: direct `Σ (x−c)²` in float64; lowest index wins exact ties. */
export const nearestConfig: KernelConfig<'nearest'> = {
  kernelName: 'nearest',
  backendName: 'js',
  kernelFunc: (_backend, { x, centroids }) => {
    const [n, d] = x.dims as [number, number];
    const k = centroids.dims[0]!;
    const X = x.data;
    const C = centroids.data;
    const index = new Int32Array(n);
    const distance = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const xo = i * d;
      let best = Infinity;
      let bestJ = 0;
      for (let j = 0; j < k; j++) {
        const co = j * d;
        let s = 0;
        for (let t = 0; t < d; t++) {
          const diff = X[xo + t]! - C[co + t]!;
          s += diff * diff;
        }
        if (s < best) {
          best = s;
          bestJ = j;
        }
      }
      index[i] = bestJ;
      distance[i] = best;
    }
    return { index, distance };
  },
};
