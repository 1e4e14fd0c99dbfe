import { Tensor } from '../../tensor.js';
import type { KernelConfig } from '../../types.js';
import type { OnnxBackend } from '../backend.js';
import { GraphBuilder } from '../graph.js';

/** The `matMul` graph: one `Gemm` node, `y = op(a) · op(b)` in float32 (`transA`/`transB` attributes). */
export function buildMatMulGraph(transposeA: boolean, transposeB: boolean): Uint8Array {
  const g = new GraphBuilder(`gr2_mat_mul_${Number(transposeA)}${Number(transposeB)}`, 'op(a) · op(b)');
  const a = g.input('a', 'float32', transposeA ? ['inner', 'm'] : ['m', 'inner']);
  const b = g.input('b', 'float32', transposeB ? ['p', 'inner'] : ['inner', 'p']);
  g.output(g.node('Gemm', [a, b], { transA: Number(transposeA), transB: Number(transposeB) }), 'float32', ['m', 'p'], 'y');
  return g.toModel();
}

/** ONNX `matMul`: one session per transpose combination. */
export const matMulConfig: KernelConfig<'matMul', OnnxBackend> = {
  kernelName: 'matMul',
  backendName: 'onnx',
  kernelFunc: async (backend, { a, b }, { transposeA, transposeB }) => {
    const key = `matMul:tA=${Number(transposeA)}:tB=${Number(transposeB)}`;
    const out = await backend.run(key, () => buildMatMulGraph(transposeA, transposeB), { a, b });
    const y = out.y!;
    return new Tensor('float32', y.data as Float32Array, y.dims);
  },
};
