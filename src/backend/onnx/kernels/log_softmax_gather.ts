import { Tensor } from '../../tensor.js';
import type { KernelConfig } from '../../types.js';
import type { OnnxBackend } from '../backend.js';
import { GraphBuilder } from '../graph.js';

/**
 * The `logSoftmaxGather` graph over rows: `logits [r,v]`, `ids [r]` (int32) → `logp [r]` with
 * `logp = (l[id] − max) − log Σ_v exp(l_v − max)`. The `[r,v]` work stays inside ONNX Runtime.
 */
export function buildLogSoftmaxGatherGraph(): Uint8Array {
  const g = new GraphBuilder('gr2_log_softmax_gather', 'token log-probabilities: max-shifted log-sum-exp and gather');
  const logits = g.input('logits', 'float32', ['r', 'v']);
  const ids = g.input('ids', 'int32', ['r']);
  const axis = g.constInt64([1]);
  const max = g.node('ReduceMax', [logits], { axes: [1], keepdims: 1 });
  const shifted = g.node('Sub', [logits, max]);
  const lse = g.node('Log', [g.node('ReduceSum', [g.node('Exp', [shifted]), axis], { keepdims: 1 })]);
  const target = g.node('GatherElements', [shifted, g.node('Unsqueeze', [ids, axis])], { axis: 1 });
  g.output(g.node('Squeeze', [g.node('Sub', [target, lse]), axis]), 'float32', ['r'], 'logp');
  return g.toModel();
}

/** ONNX `logSoftmaxGather`: `chunkSize` rows (of `b·s`) per call, each a view of the logits. */
export const logSoftmaxGatherConfig: KernelConfig<'logSoftmaxGather', OnnxBackend> = {
  kernelName: 'logSoftmaxGather',
  backendName: 'onnx',
  kernelFunc: async (backend, { logits, ids }, { chunkSize }) => {
    const [b, s, v] = logits.dims as [number, number, number];
    const rows = b * s;
    const out = new Float32Array(rows);
    for (let r0 = 0; r0 < rows; r0 += chunkSize) {
      const r1 = Math.min(rows, r0 + chunkSize);
      const res = await backend.run('logSoftmaxGather', buildLogSoftmaxGatherGraph, {
        logits: backend.tensor('float32', logits.data.subarray(r0 * v, r1 * v), [r1 - r0, v]),
        ids: backend.tensor('int32', ids.data.subarray(r0, r1), [r1 - r0]),
      });
      out.set(res.logp!.data as Float32Array, r0);
    }
    return new Tensor('float32', out, [b, s]);
  },
};
