import type { KernelConfig } from '../../types.js';
import { exactNearestRow } from '../../nearest_exact.js';

/**
 * Reference `nearest`: direct `Σ (x−c)²` in float64; lowest index wins exact ties. A candidate stops being
 * summed once its partial sum reaches the best so far (exact: partial sums of squares never decrease).
 */
export const nearestConfig: KernelConfig<'nearest'> = {
  kernelName: 'nearest',
  backendName: 'js',
  kernelFunc: (_backend, { x, centroids }, { out }) => {
    const [n, d] = x.dims as [number, number];
    const k = centroids.dims[0]!;
    const index = out?.index ?? new Int32Array(n);
    const distance = out?.distance ?? new Float32Array(n);
    const j = new Int32Array(1);
    const s = new Float64Array(1);
    for (let i = 0; i < n; i++) {
      exactNearestRow(x.data, i * d, centroids.data, k, d, j, s);
      index[i] = j[0]!;
      distance[i] = s[0]!;
    }
    return { index, distance };
  },
};
