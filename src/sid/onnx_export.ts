/**
 * ONNX export of the greedy residual-quantizer encoder, built with the gr2 ONNX graph builder.
 *
 * @packageDocumentation
 */
import { GraphBuilder, ONNX_DTYPE_CODE, addNearest, type Matrix } from '../backend/index.js';
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
 * Builds the encoder graph. Per level `l` with codebook `E_l [C_l, d]` (an initializer):
 * `z_l = argmin_j ‖r − e_j‖²` with the nodes of the `'onnx'` backend's `nearest` kernel (`addNearest`: ranking by
 * the centred `Gemm` formula, then the best two re-checked with exact float64 distances, lowest index on exact
 * ties), then `r ← r − Gather(E_l, z_l)` in float32. So the exported model assigns the codes of `encode()` on
 * the `'onnx'` backend (which re-checks near ties exactly over all centres; the two can differ only for a row
 * whose best centres are tied to within float32 rounding), also for data far from the origin where
 * `‖r‖² − 2r·e + ‖e‖²` alone loses its digits. The codes are concatenated and cast to int32 inside the graph.
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
    const { index: z } = addNearest(g, r, E);
    zs.push(g.node('Unsqueeze', [g.node('Identity', [z], {}, { outputs: [`code_${l}`] }), axes]));
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
