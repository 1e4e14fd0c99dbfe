/**
 * Reading item-vector files for the CLI: JSON lines `{"id": 12, "vector": [0.1, -0.3, …]}`, streamed.
 *
 * @packageDocumentation
 * @internal
 */
import { dataError } from './errors.js';
import { assertInputFile, readJsonl } from './io.js';

/** Vectors read from a file: ids and a row-major `[n, dim]` matrix. @internal */
export interface VectorFile {
  readonly ids: (number | string)[];
  readonly data: Float32Array;
  readonly rows: number;
  readonly dim: number;
}

/**
 * Streams a vectors file. Every line must hold an `id` (number or string, unique) and a `vector` of finite numbers
 * of the same length as the first line's (or `expectedDim` when given).
 * @internal
 */
export async function readVectors(path: string, expectedDim?: number): Promise<VectorFile> {
  assertInputFile(path, 'vectors file');
  const ids: (number | string)[] = [];
  const seen = new Set<number | string>();
  let data = new Float32Array(1024);
  let dim = expectedDim ?? -1;
  let firstLine = 0;
  let rows = 0;
  for await (const { value, n } of readJsonl(path)) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw dataError(path, n, 'expected an object {"id": …, "vector": [...]}');
    }
    const { id, vector } = value as { id?: unknown; vector?: unknown };
    if (!(typeof id === 'string' || (typeof id === 'number' && Number.isSafeInteger(id)))) {
      throw dataError(path, n, `"id" must be an integer or a string; got ${JSON.stringify(id)}`);
    }
    if (seen.has(id)) throw dataError(path, n, `duplicate id ${JSON.stringify(id)}`);
    if (!Array.isArray(vector) || vector.length === 0) throw dataError(path, n, '"vector" must be a non-empty array of numbers');
    if (dim < 0) {
      dim = vector.length;
      firstLine = n;
    } else if (vector.length !== dim) {
      throw dataError(
        path,
        n,
        `wrong dimensions: the vector has ${vector.length} values; expected ${dim} (${expectedDim === undefined ? `as on line ${firstLine}` : 'the dimension of the model'})`,
      );
    }
    if ((rows + 1) * dim > data.length) {
      const next = new Float32Array(Math.max(data.length * 2, (rows + 1) * dim));
      next.set(data);
      data = next;
    }
    for (let j = 0; j < dim; j++) {
      const x = vector[j];
      if (typeof x !== 'number' || !Number.isFinite(x)) throw dataError(path, n, `vector[${j}] must be a finite number; got ${JSON.stringify(x)}`);
      data[rows * dim + j] = x;
    }
    seen.add(id);
    ids.push(id);
    rows++;
  }
  if (rows === 0) throw dataError(path, null, 'no vectors (the file is empty)');
  return { ids, data: data.slice(0, rows * dim), rows, dim };
}
