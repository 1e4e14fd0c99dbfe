import * as ort from 'onnxruntime-node';
import { GraphBuilder, attr, ONNX_DTYPE_CODE } from '../src/backend/onnx/graph.js';
import { Random } from '../src/sampling/random.js';
import { exactSquaredDistance } from '../src/backend/nearest_exact.js';
const D = 64, K = 256, N = Number(process.env.N ?? 400000);
const rng = new Random(1234);
const X = new Float32Array(N * D); for (let i = 0; i < X.length; i++) X[i] = rng.gauss();
const C = new Float32Array(K * D); for (let i = 0; i < C.length; i++) C[i] = rng.gauss();
const cc = new Float32Array(K); for (let j = 0; j < K; j++) { let s = 0; for (let t = 0; t < D; t++) s += C[j*D+t]**2; cc[j] = s; }
function build(kind: string): Uint8Array {
  const g = new GraphBuilder('p', 'p');
  const x = g.input('x', 'float32', ['n', 'd']);
  const cs = g.input('cs', 'float32', ['k', 'd']);
  const c2 = g.input('cc', 'float32', ['k']);
  const score = g.node('Gemm', [x, cs, c2], { alpha: attr.float(-2), beta: attr.float(1), transB: 1 });
  if (kind === 'topk') {
    const [v, i] = g.nodeN('TopK', [score, g.constInt64([2])], { axis: 1, largest: 0, sorted: 1 }, { outputs: 2 });
    g.output(v!, 'float32', ['n', 2], 'value'); g.output(g.node('Cast', [i!], { to: ONNX_DTYPE_CODE.int32 }), 'int32', ['n', 2], 'index');
  } else if (kind === 'argmin') {
    g.output(g.node('ArgMin', [score], { axis: 1, keepdims: 0 }), 'int64', ['n'], 'index');
  } else if (kind === 'minarg') {
    g.output(g.node('ArgMin', [score], { axis: 1, keepdims: 0 }), 'int64', ['n'], 'index');
    g.output(g.node('ReduceMin', [score], { axes: [1], keepdims: 0 }), 'float32', ['n'], 'value');
  } else if (kind === 'top1') {
    const [v, i] = g.nodeN('TopK', [score, g.constInt64([1])], { axis: 1, largest: 0, sorted: 1 }, { outputs: 2 });
    g.output(v!, 'float32', ['n', 1], 'value'); g.output(i!, 'int64', ['n', 1], 'index');
  } else if (kind === 'planA') {
    const m1 = g.node('ReduceMin', [score], { axes: [1], keepdims: 1 });
    const eq = g.node('Equal', [score, m1]);
    const f = g.node('Cast', [eq], { to: ONNX_DTYPE_CODE.float32 });
    const W = new Float32Array(256 * 2); for (let j = 0; j < 256; j++) { W[2*j] = 1; W[2*j+1] = j; }
    const w = g.initializer('W', { dtype: 'float32', data: W, dims: [256, 2] });
    const ci = g.node('MatMul', [f, w]);
    const inf = g.constFloat([Infinity], []);
    const m2 = g.node('ReduceMin', [g.node('Where', [eq, inf, score])], { axes: [1], keepdims: 1 });
    g.output(g.node('Concat', [m1, m2, ci], { axis: 1 }), 'float32', ['n', 4], 'value');
  } else if (kind === 'planB') {
    const [mn, mx] = g.nodeN('Split', [score], { axis: 1 }, { outputs: 2 });
    const lo = g.node('Min', [mn!, mx!]);
    const hi = g.node('ReduceMin', [g.node('Max', [mn!, mx!])], { axes: [1], keepdims: 1 });
    const [v, i] = g.nodeN('TopK', [lo, g.constInt64([2])], { axis: 1, largest: 0, sorted: 1 }, { outputs: 2 });
    g.output(g.node('Concat', [v!, hi], { axis: 1 }), 'float32', ['n', 3], 'value'); g.output(i!, 'int64', ['n', 2], 'index');
  } else if (kind === 'pool1') {
    const neg = g.node('Gemm', [x, cs, c2], { alpha: attr.float(2), beta: attr.float(-1), transB: 1 });
    const r = g.node('Unsqueeze', [neg, g.constInt64([0, 1])]);
    const [v, i] = g.nodeN('MaxPool', [r], { kernel_shape: [1, 256], strides: [1, 256] }, { outputs: 2 });
    g.output(v!, 'float32', [1, 1, 'n', 1], 'value'); g.output(i!, 'int64', [1, 1, 'n', 1], 'index');
  } else if (kind === 'pool0') {
    const neg = g.node('Gemm', [x, cs, c2], { alpha: attr.float(2), beta: attr.float(-1), transB: 1 });
    const r = g.node('Unsqueeze', [neg, g.constInt64([0, 1])]);
    const v = g.node('MaxPool', [r], { kernel_shape: [1, 256], strides: [1, 256] });
    g.output(v!, 'float32', [1, 1, 'n', 1], 'value');
  } else if (kind === 'topk_unsorted') {
    const [v, i] = g.nodeN('TopK', [score, g.constInt64([2])], { axis: 1, largest: 0, sorted: 0 }, { outputs: 2 });
    g.output(v!, 'float32', ['n', 2], 'value'); g.output(i!, 'int64', ['n', 2], 'index');
  } else if (kind === 'topk_largest') {
    const neg = g.node('Gemm', [x, cs, c2], { alpha: attr.float(2), beta: attr.float(-1), transB: 1 });
    const [v, i] = g.nodeN('TopK', [neg, g.constInt64([2])], { axis: 1, largest: 1, sorted: 1 }, { outputs: 2 });
    g.output(v!, 'float32', ['n', 2], 'value'); g.output(i!, 'int64', ['n', 2], 'index');
  } else if (kind === 'topk_i64') {
    const [v, i] = g.nodeN('TopK', [score, g.constInt64([2])], { axis: 1, largest: 0, sorted: 1 }, { outputs: 2 });
    g.output(v!, 'float32', ['n', 2], 'value'); g.output(i!, 'int64', ['n', 2], 'index');
  } else if (kind.startsWith('group')) {
    const S = Number(kind.slice(5)); const G = 256 / S;
    const s3 = g.node('Reshape', [score, g.constInt64([0, G, S])]);
    const gm = g.node('ReduceMin', [s3], { axes: [2], keepdims: 0 });
    const [gv, gi] = g.nodeN('TopK', [gm, g.constInt64([2])], { axis: 1, largest: 0, sorted: 1 }, { outputs: 2 });
    const gi1 = g.node('Slice', [gi!, g.constInt64([0]), g.constInt64([1]), g.constInt64([1])]);
    const ix = g.node('Unsqueeze', [gi1, g.constInt64([2])]);
    const shp = g.node('Concat', [g.node('Shape', [gi1], { start: 0, end: 1 }), g.constInt64([1, S])], { axis: 0 });
    const ge = g.node('GatherElements', [s3, g.node('Expand', [ix, shp])], { axis: 1 });
    g.output(g.node('Reshape', [ge, g.constInt64([0, S])]), 'float32', ['n', S], 'group');
    g.output(gv!, 'float32', ['n', 2], 'value'); g.output(g.node('Cast', [gi!], { to: ONNX_DTYPE_CODE.int32 }), 'int32', ['n', 2], 'index');
  } else if (kind.startsWith('sgroup')) {
    const S = Number(kind.slice(6)); const G = 256 / S;
    const s3 = g.node('Reshape', [score, g.constInt64([0, S, G])]);
    const gm = g.node('ReduceMin', [s3], { axes: [1], keepdims: 0 });
    const [gv, gi] = g.nodeN('TopK', [gm, g.constInt64([2])], { axis: 1, largest: 0, sorted: 1 }, { outputs: 2 });
    const gi1 = g.node('Slice', [gi!, g.constInt64([0]), g.constInt64([1]), g.constInt64([1])]);
    const ix = g.node('Unsqueeze', [gi1, g.constInt64([2])]);
    const shp = g.node('Concat', [g.node('Shape', [gi1], { start: 0, end: 1 }), g.constInt64([S, 1])], { axis: 0 });
    const ge = g.node('GatherElements', [s3, g.node('Expand', [ix, shp])], { axis: 2 });
    g.output(g.node('Reshape', [ge, g.constInt64([0, S])]), 'float32', ['n', S], 'group');
    g.output(gv!, 'float32', ['n', 2], 'value'); g.output(g.node('Cast', [gi!], { to: ONNX_DTYPE_CODE.int32 }), 'int32', ['n', 2], 'index');
  } else if (kind.startsWith('onlyred')) {
    const S = Number(kind.slice(7)); const G = 256 / S;
    const s3 = g.node('Reshape', [score, g.constInt64([0, S, G])]);
    const gm = g.node('ReduceMin', [s3], { axes: [1], keepdims: 0 });
    g.output(gm, 'float32', ['n', G], 'value');
  } else if (kind.startsWith('redtopk')) {
    const S = Number(kind.slice(7)); const G = 256 / S;
    const s3 = g.node('Reshape', [score, g.constInt64([0, S, G])]);
    const gm = g.node('ReduceMin', [s3], { axes: [1], keepdims: 0 });
    const [gv, gi] = g.nodeN('TopK', [gm, g.constInt64([2])], { axis: 1, largest: 0, sorted: 1 }, { outputs: 2 });
    g.output(gv!, 'float32', ['n', 2], 'value'); g.output(gi!, 'int64', ['n', 2], 'index');
  } else if (kind.startsWith('redscore')) {
    const S = Number(kind.slice(8)); const G = 256 / S;
    const s3 = g.node('Reshape', [score, g.constInt64([0, S, G])]);
    const gm = g.node('ReduceMin', [s3], { axes: [1], keepdims: 0 });
    g.output(gm, 'float32', ['n', G], 'value');
    g.output(score, 'float32', ['n', 256], 'score');
  } else if (kind.startsWith('twored')) {
    const s3 = g.node('Reshape', [score, g.constInt64([0, 16, 16])]);
    g.output(g.node('ReduceMin', [s3], { axes: [2], keepdims: 0 }), 'float32', ['n', 16], 'rowmin');
    g.output(g.node('ReduceMin', [s3], { axes: [1], keepdims: 0 }), 'float32', ['n', 16], 'colmin');
  } else if (kind.startsWith('inner')) {
    const s3 = g.node('Reshape', [score, g.constInt64([0, 16, 16])]);
    g.output(g.node('ReduceMin', [s3], { axes: [2], keepdims: 0 }), 'float32', ['n', 16], 'rowmin');
  } else if (kind === 'twored2') {
    const s3 = g.node('Reshape', [score, g.constInt64([0, 16, 16])]);
    const rowMin = g.node('ReduceMin', [s3], { axes: [2], keepdims: 0 });
    const colMin = g.node('ReduceMin', [s3], { axes: [1], keepdims: 0 });
    const m1 = g.node('ReduceMin', [colMin], { axes: [1], keepdims: 1 });
    const Wt = new Float32Array(32); for (let t = 0; t < 16; t++) { Wt[2 * t] = 1; Wt[2 * t + 1] = t; }
    const wt = g.initializer('Wt', { dtype: 'float32', data: Wt, dims: [16, 2] });
    const inf = g.constFloat([Infinity], []);
    const parts = [m1];
    const seconds: string[] = [];
    for (const v of [rowMin, colMin]) {
      const eq = g.node('Equal', [v, m1]);
      parts.push(g.node('MatMul', [g.node('Cast', [eq], { to: ONNX_DTYPE_CODE.float32 }), wt]));
      seconds.push(g.node('ReduceMin', [g.node('Where', [eq, inf, v])], { axes: [1], keepdims: 1 }));
    }
    parts.splice(1, 0, g.node('Min', seconds));
    g.output(g.node('Concat', parts, { axis: 1 }), 'float32', ['n', 6], 'value');
  } else if (kind === 'nobias') {
    const sc = g.node('Gemm', [x, cs], { alpha: attr.float(-2), transB: 1 });
    const s3 = g.node('Reshape', [sc, g.constInt64([0, 16, 16])]);
    g.output(g.node('ReduceMin', [s3], { axes: [2], keepdims: 0 }), 'float32', ['n', 16], 'rowmin');
    g.output(g.node('ReduceMin', [s3], { axes: [1], keepdims: 0 }), 'float32', ['n', 16], 'colmin');
  } else if (kind === 'matmul') {
    const sc = g.node('MatMul', [x, g.node('Transpose', [cs], { perm: [1, 0] })]);
    const s3 = g.node('Reshape', [sc, g.constInt64([0, 16, 16])]);
    g.output(g.node('ReduceMin', [s3], { axes: [2], keepdims: 0 }), 'float32', ['n', 16], 'rowmin');
    g.output(g.node('ReduceMin', [s3], { axes: [1], keepdims: 0 }), 'float32', ['n', 16], 'colmin');
  } else if (kind === 'gemmsum') {
    g.output(g.node('ReduceMin', [score], { axes: [1], keepdims: 0 }), 'float32', ['n'], 'value');
  }
  return g.toModel();
}
const threads = Number(process.env.T ?? 0);
for (const kind of (process.env.KINDS ?? 'gemmsum,argmin,minarg,topk').split(',')) {
  const opts: any = { graphOptimizationLevel: 'all', logSeverityLevel: 3, extra: { session: { intra_op: { allow_spinning: '0' } } } };
  if (threads) opts.intraOpNumThreads = threads;
  const s = await ort.InferenceSession.create(build(kind), opts);
  for (const chunk of (process.env.CHUNKS ?? '8192,32768').split(',').map(Number)) {
    const times: number[] = [];
    for (let r = 0; r < 6; r++) {
      const t0 = performance.now();
      for (let r0 = 0; r0 < N; r0 += chunk) {
        const r1 = Math.min(N, r0 + chunk);
        await s.run({ x: new ort.Tensor('float32', X.subarray(r0 * D, r1 * D), [r1 - r0, D]), cs: new ort.Tensor('float32', C, [K, D]), cc: new ort.Tensor('float32', cc, [K]) });
        if (process.env.BUSY) { let acc = 0; for (let i = r0; i < r1; i++) acc += squaredDistanceBelow(X, i * D, C, (i & 255) * D, D, Infinity); if (acc < 0) console.log(acc); }
      }
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    console.log(kind, chunk, 'threads', threads || 'default', times.map((t) => t.toFixed(0)).join(' '));
  }
}
{ const t0 = performance.now(); let acc = 0; for (let i = 0; i < N; i++) acc += exactSquaredDistance(X, i * D, C, (i % K) * D, D); console.log('js exact winner distance', (performance.now() - t0).toFixed(1), acc > 0); }
import { squaredDistanceBelow } from '../src/backend/nearest_exact.js';
for (let rep = 0; rep < 3; rep++) { const t0 = performance.now(); let acc = 0; for (let i = 0; i < N; i++) acc += squaredDistanceBelow(X, i * D, C, (i & 255) * D, D, Infinity); console.log('js unrolled winner distance', (performance.now() - t0).toFixed(1), acc > 0); }
for (let rep = 0; rep < 3; rep++) { const t0 = performance.now(); let acc = 0; for (let i = 0; i < N; i++) acc += exactSquaredDistance(X, i * D, C, (i & 255) * D, D); console.log('js simple winner distance', (performance.now() - t0).toFixed(1), acc > 0); }
