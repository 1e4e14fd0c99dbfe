import { Tensor } from '../../tensor.js';
import type { KernelConfig } from '../../types.js';

/** Reference `matMul`: float64 dot products over strided views of `a` and `b`. */
export const matMulConfig: KernelConfig<'matMul'> = {
  kernelName: 'matMul',
  backendName: 'js',
  kernelFunc: (_backend, { a, b }, { transposeA, transposeB }) => {
    const [ar, ac] = a.dims as [number, number];
    const [br, bc] = b.dims as [number, number];
    const m = transposeA ? ac : ar;
    const inner = transposeA ? ar : ac;
    const p = transposeB ? br : bc;
    // element (i, t) of op(a) and (t, j) of op(b), as strides
    const aRow = transposeA ? 1 : ac;
    const aCol = transposeA ? ac : 1;
    const bRow = transposeB ? 1 : bc;
    const bCol = transposeB ? bc : 1;
    const A = a.data;
    const B = b.data;
    const out = new Float32Array(m * p);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < p; j++) {
        let s = 0;
        for (let t = 0; t < inner; t++) s += A[i * aRow + t * aCol]! * B[t * bRow + j * bCol]!;
        out[i * p + j] = s;
      }
    }
    return new Tensor('float32', out, [m, p]);
  },
};
