/**
 * The one real-data check of the SID tokenizer (bounded to a few seconds on ONNX Runtime CPU):
 * Amazon Beauty's 12,101 items, H2's interaction item vectors (dim 64), RQ-KMeans 4 × 256.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { itemVectorsFromSequences, loadBeauty, type ItemVectors } from '../../src/data/index.js';
import { ResidualQuantizer } from '../../src/sid/index.js';
import { env } from '../../src/env.js';

let vectors: ItemVectors;
let rq: ResidualQuantizer;

beforeAll(async () => {
  env.logLevel = 'error';
  vectors = await itemVectorsFromSequences((await loadBeauty()).sequences, { dim: 64, seed: 1, backend: 'onnx' });
  rq = await ResidualQuantizer.train(vectors, { levels: 4, codebookSize: 256, seed: 1234, backend: 'onnx', kmeans: { maxIterations: 10 } });
});

describe('Amazon Beauty SIDs (12,101 items, 4 × 256)', () => {
  it('random last level alone reaches ≥ 99 % uniqueness; collision-aware is exactly 100 % with a certificate', async () => {
    expect(vectors.shape).toEqual([12101, 64]);
    const greedy = await rq.assignSids(vectors, { lastLevel: 'greedy', backend: 'onnx' });
    const random = await rq.assignSids(vectors, { lastLevel: 'random', seed: 1234, backend: 'onnx' });
    const aware = await rq.assignSids(vectors, { backend: 'onnx' });
    expect(greedy.statistics.uniqueness).toBeLessThan(0.99);
    expect(random.statistics.uniqueness).toBeGreaterThanOrEqual(0.99);
    expect(aware.statistics.uniqueness).toBe(1);
    expect(aware.statistics.distinct).toBe(12101);
    expect(aware.certificate!.maxPrefixLoad).toBeLessThanOrEqual(256);
    // collision-aware moves only colliding items, to near codes: far less distortion than random codes
    const e = await rq.reconstructionError(vectors, { codes: greedy.codes });
    const eAware = await rq.reconstructionError(vectors, { codes: aware.codes });
    const eRandom = await rq.reconstructionError(vectors, { codes: random.codes });
    expect(eAware.meanSquaredError - e.meanSquaredError).toBeLessThan(0.1 * (eRandom.meanSquaredError - e.meanSquaredError));
  });
});
