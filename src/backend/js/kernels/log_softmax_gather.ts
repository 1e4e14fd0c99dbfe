import { Tensor } from '../../tensor.js';
import type { KernelConfig } from '../../types.js';

/** Reference `logSoftmaxGather`: two passes per row (max, then Σ exp), float64, nothing of size `v` allocated. */
export const logSoftmaxGatherConfig: KernelConfig<'logSoftmaxGather'> = {
  kernelName: 'logSoftmaxGather',
  backendName: 'js',
  kernelFunc: (_backend, { logits, ids }) => {
    const [b, s, v] = logits.dims as [number, number, number];
    const L = logits.data;
    const out = new Float32Array(b * s);
    for (let r = 0; r < b * s; r++) {
      const o = r * v;
      let max = -Infinity;
      for (let t = 0; t < v; t++) if (L[o + t]! > max) max = L[o + t]!;
      const target = L[o + ids.data[r]!]!;
      if (!(max > -Infinity && max < Infinity)) {
        out[r] = NaN; // NaN in the row, +Inf, or every logit −Inf: the log-softmax is undefined
        continue;
      }
      let sum = 0;
      for (let t = 0; t < v; t++) sum += Math.exp(L[o + t]! - max);
      out[r] = target - max - Math.log(sum);
    }
    return new Tensor('float32', out, [b, s]);
  },
};
