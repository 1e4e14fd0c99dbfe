/**
 * ONNX export of the greedy residual-quantizer encoder, built with the gr2 ONNX graph builder.
 *
 * @packageDocumentation
 */
import { GraphBuilder, ONNX_DTYPE_CODE, attr } from '../backend/onnx/graph.js';
import type { Matrix } from '../backend/tensor.js';
import { assertPositiveInteger, typeError } from '../errors.js';

/** Options of `ResidualQuantizer.exportOnnx`. */
export interface OnnxExportOptions {
  /** ONNX opset of the default domain. @defaultValue `17` */
  readonly opset?: number;
  /** Name of the float32 input `[n, d]`. @defaultValue `'vectors'` */
  readonly inputName?: string;
  /** Name of the int32 output `[n, levels]`. @defaultValue `'codes'` */
  readonly outputName?: string;
}

/**
 * Builds the encoder graph. Per level `l` with codebook `E_l [C_l, d]` and constant `‖E_l‖² [C_l]`:
 * `s = Gemm(r, E_l, ‖E_l‖², alpha = −2, transB = 1)` (= `‖e_j‖² − 2 r·e_j`, which has the same argmin
 * over `j` as `‖r − e_j‖²`), `z_l = ArgMin(s, axis 1)` (first index on ties), `r ← r − Gather(E_l, z_l)`.
 * The codes are concatenated and cast to int32 inside the graph.
 *
 * @param codebooks - one `[C_l, d]` matrix per level.
 * @param options - opset and value names.
 * @returns ModelProto bytes (IR 8).
 */
export function buildEncoderModel(codebooks: readonly Matrix[], options: OnnxExportOptions = {}): Uint8Array {
  const fn = 'ResidualQuantizer.exportOnnx';
  if (options === null || typeof options !== 'object') throw typeError(fn, 'options', 'an object', options);
  const opset = options.opset ?? 17;
  assertPositiveInteger(fn, 'options.opset', opset);
  const inputName = options.inputName ?? 'vectors';
  const outputName = options.outputName ?? 'codes';
  if (typeof inputName !== 'string' || !inputName) throw typeError(fn, 'options.inputName', 'a non-empty string', inputName);
  if (typeof outputName !== 'string' || !outputName) throw typeError(fn, 'options.outputName', 'a non-empty string', outputName);
  const L = codebooks.length;
  const d = codebooks[0]!.dims[1]!;
  const g = new GraphBuilder('gr2_rq_encoder', `Greedy residual-quantizer encoder: ${L} levels, dim ${d}.`);
  const x = g.input(inputName, 'float32', ['n', d]);
  let r = x;
  const zs: string[] = [];
  const axes = g.constInt64([1]);
  codebooks.forEach((book, l) => {
    const K = book.dims[0]!;
    const E = g.initializer(`codebook_${l}`, { dtype: 'float32', data: book.data, dims: [K, d] });
    const norms = new Float32Array(K);
    for (let j = 0; j < K; j++) {
      let s = 0;
      for (let t = 0; t < d; t++) s += book.data[j * d + t]! ** 2;
      norms[j] = s;
    }
    const N = g.initializer(`codebook_norm_${l}`, { dtype: 'float32', data: norms, dims: [K] });
    const s = g.node('Gemm', [r, E, N], { alpha: attr.float(-2), beta: attr.float(1), transB: 1 });
    const z = g.node('ArgMin', [s], { axis: 1, keepdims: 0 }, { outputs: [`code_${l}`] });
    zs.push(g.node('Unsqueeze', [z, axes]));
    if (l < L - 1) {
      const picked = g.node('Gather', [E, z], { axis: 0 });
      r = g.node('Sub', [r, picked]);
    }
  });
  const all = L === 1 ? zs[0]! : g.node('Concat', zs, { axis: 1 });
  const cast = g.node('Cast', [all], { to: ONNX_DTYPE_CODE.int32 });
  g.output(cast, 'int32', ['n', L], outputName);
  return g.toModel({
    opset,
    docString: 'gr2 residual-quantizer (RQ-KMeans) encoder: vectors [n, d] float32 -> codes [n, levels] int32',
    metadata: {
      gr2_format: 'gr2-rq-encoder',
      levels: String(L),
      dim: String(d),
      codebook_sizes: codebooks.map((b) => b.dims[0]).join(','),
    },
  });
}
