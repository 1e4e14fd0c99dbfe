/**
 * @internal Structural checks of public inputs shared by the modules: every failure is the library's
 * `TypeError`/`RangeError` naming the function and the argument (see `errors.ts`).
 *
 * @packageDocumentation
 */
import { rangeError, raw, typeError } from './errors.js';

/** @internal Largest size or id the library accepts (int32 buffers, typed-array lengths): 2^31 − 1. */
export const MAX_INT32 = 2147483647;

/**
 * @internal Largest JS `number[]` the library builds from a size argument (2^26 elements, 512 MB as doubles):
 * beyond it a size is taken as a mistake and refused at once rather than allocated for seconds.
 */
export const MAX_ARRAY_ELEMENTS = 2 ** 26;

/** @internal Whether `v` is a non-null object that is not an array or typed array. */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

/** @internal Throws unless `value` is an array (`rule` describes what it must be an array of). */
export function checkArray<T = unknown>(fn: string, arg: string, value: unknown, rule = 'an array'): readonly T[] {
  if (!Array.isArray(value)) throw typeError(fn, arg, rule, value);
  return value as readonly T[];
}

/** @internal Throws unless `value` is a plain object (`rule` names its expected fields). */
export function checkObject<T extends object>(fn: string, arg: string, value: unknown, rule: string): T {
  if (!isPlainObject(value)) throw typeError(fn, arg, rule, value);
  return value as T;
}

/** @internal Throws unless `value` is a string. */
export function checkString(fn: string, arg: string, value: unknown): string {
  if (typeof value !== 'string') throw typeError(fn, arg, 'a string', value);
  return value;
}

function intRule(min: number, max: number): string {
  const hi = max === MAX_INT32 ? '2^31 − 1' : String(max);
  if (min === 1) return `a positive integer (at most ${hi})`;
  if (min === 0) return `a non-negative integer (at most ${hi})`;
  return `an integer in [${min}, ${hi}]`;
}

/** @internal Throws unless `value` is an integer in `[min, MAX_INT32]` (sizes, counts, ids). */
export function checkInt(fn: string, arg: string, value: unknown, min = 0, max = MAX_INT32): number {
  if (typeof value !== 'number') throw typeError(fn, arg, 'a number', value);
  if (!Number.isInteger(value) || value < min || value > max) throw rangeError(fn, arg, intRule(min, max), value);
  return value;
}

/**
 * @internal Throws unless `value` is an array (or array-like typed array) of integers in `[min, max]`; returns it.
 */
export function checkIntArray(fn: string, arg: string, value: unknown, min = 0, max = MAX_INT32): ArrayLike<number> {
  if (!Array.isArray(value) && !(ArrayBuffer.isView(value) && !(value instanceof DataView))) {
    throw typeError(fn, arg, 'an array of integers', value);
  }
  const a = value as ArrayLike<unknown>;
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (typeof v !== 'number') throw typeError(fn, `${arg}[${i}]`, 'a number', v);
    if (!Number.isInteger(v) || v < min || v > max) {
      throw rangeError(fn, `${arg}[${i}]`, intRule(min, max), v);
    }
  }
  return a as ArrayLike<number>;
}

/** @internal Throws unless `value` is an array of finite numbers; returns it. */
export function checkFiniteArray(fn: string, arg: string, value: unknown): ArrayLike<number> {
  if (!Array.isArray(value) && !(ArrayBuffer.isView(value) && !(value instanceof DataView))) {
    throw typeError(fn, arg, 'an array of numbers', value);
  }
  const a = value as ArrayLike<unknown>;
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (typeof v !== 'number') throw typeError(fn, `${arg}[${i}]`, 'a number', v);
    if (!Number.isFinite(v)) throw rangeError(fn, `${arg}[${i}]`, 'a finite number', v);
  }
  return a as ArrayLike<number>;
}

/**
 * @internal Checks user sequences: an array of `{user, items}` with an integer user and positive integer item
 * ids ≤ 2^31 − 1 (or a `SequenceDataset`, whose `sequences` are checked). An array of arrays gets a hint.
 */
export function checkSequences<S extends { readonly user: number; readonly items: readonly number[] }>(
  fn: string,
  arg: string,
  data: unknown,
  allowDataset = true,
): readonly S[] {
  const rule = allowDataset ? 'an array of {user, items} or a SequenceDataset' : 'an array of {user, items}';
  const sequences =
    Array.isArray(data) ? data : allowDataset && isPlainObject(data) && Array.isArray(data['sequences']) ? data['sequences'] : undefined;
  if (!sequences) throw typeError(fn, arg, rule, data);
  const name = Array.isArray(data) ? arg : `${arg}.sequences`;
  for (let s = 0; s < sequences.length; s++) {
    const seq = sequences[s] as unknown;
    if (!isPlainObject(seq)) {
      throw typeError(
        fn,
        `${name}[${s}]`,
        'a {user, items} sequence',
        seq,
        Array.isArray(seq) ? 'Wrap each number[] as {user, items}.' : undefined,
      );
    }
    const user = seq['user'];
    if (typeof user !== 'number') throw typeError(fn, `${name}[${s}].user`, 'a number', user);
    if (!Number.isInteger(user) || Math.abs(user) > MAX_INT32) throw rangeError(fn, `${name}[${s}].user`, 'an integer', user);
    checkIntArray(fn, `${name}[${s}].items`, seq['items'], 1);
  }
  return sequences as readonly S[];
}

/** @internal Checks the length of an allocation before making it, so absurd sizes fail fast with a RangeError. */
export function checkAllocation(fn: string, arg: string, elements: number, limit = MAX_INT32): void {
  if (!(elements <= limit)) throw rangeError(fn, arg, `small enough to allocate (at most ${limit} elements)`, raw(`${elements} elements`));
}

/**
 * @internal Checks a rerank sample's structure: an object with a string `completion`, a `candidates` array of
 * strings, a `relevance` object of numbers, and an optional string `target` / `prompt`.
 */
export function checkRerankSample(fn: string, arg: string, sample: unknown): void {
  if (!isPlainObject(sample)) throw typeError(fn, arg, 'a rerank sample {prompt, completion, candidates, relevance}', sample);
  if (typeof sample['completion'] !== 'string') throw typeError(fn, `${arg}.completion`, 'a string', sample['completion']);
  if (sample['prompt'] !== undefined && typeof sample['prompt'] !== 'string') throw typeError(fn, `${arg}.prompt`, 'a string', sample['prompt']);
  const candidates = sample['candidates'];
  if (!Array.isArray(candidates)) throw typeError(fn, `${arg}.candidates`, 'an array of SID strings', candidates);
  for (let i = 0; i < candidates.length; i++) {
    if (typeof candidates[i] !== 'string') throw typeError(fn, `${arg}.candidates[${i}]`, 'a string', candidates[i]);
  }
  const relevance = sample['relevance'];
  if (!isPlainObject(relevance) && !(relevance !== null && typeof relevance === 'object' && Object.getPrototypeOf(relevance) === null)) {
    throw typeError(fn, `${arg}.relevance`, 'an object of SID → grade', relevance);
  }
  // the grades are the own properties; only the candidates' must be finite numbers. Iterating the (few) keys avoids
  // a property lookup per candidate: SID keys give every relevance object its own shape, so such lookups are
  // megamorphic and cost about 0.35 µs each.
  const keys = Object.keys(relevance);
  for (let i = 0; i < keys.length; i++) {
    const c = keys[i]!;
    const v = (relevance as Record<string, unknown>)[c];
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v)) && (candidates as unknown[]).includes(c)) {
      throw rangeError(fn, `${arg}.relevance[${JSON.stringify(c).slice(0, 40)}]`, 'a finite number', v);
    }
  }
  if (sample['target'] !== undefined && typeof sample['target'] !== 'string') throw typeError(fn, `${arg}.target`, 'a string', sample['target']);
}

/** @internal Throws unless `value` is an array or typed array (`ArrayLike<number>` inputs such as orders and labels). */
export function checkArrayLike(fn: string, arg: string, value: unknown): ArrayLike<unknown> {
  if (!Array.isArray(value) && !(ArrayBuffer.isView(value) && !(value instanceof DataView))) {
    throw typeError(fn, arg, 'an array of numbers', value);
  }
  return value as ArrayLike<unknown>;
}

/** @internal Throws unless `options` is undefined or an object (for options whose keys are checked downstream). */
export function checkOptionsObject(fn: string, options: unknown, arg = 'options'): void {
  if (options !== undefined && !isPlainObject(options)) throw typeError(fn, arg, 'an options object or undefined', options);
}

/**
 * @internal Checks a `{data, dims}` of full-vocabulary log-probabilities (a float `Tensor` qualifies): float data
 * whose length is the product of `dims`, rank ≥ 1.
 */
export function checkFullLogProbs(fn: string, arg: string, x: unknown): void {
  if (x === null || typeof x !== 'object') throw typeError(fn, arg, 'a {data, dims} of float log-probabilities (or a float32 Tensor)', x);
  const { data, dims } = x as { data: unknown; dims: unknown };
  if (!(data instanceof Float32Array) && !(data instanceof Float64Array)) throw typeError(fn, `${arg}.data`, 'a Float32Array or Float64Array', data);
  if (!Array.isArray(dims) || dims.length < 1) throw typeError(fn, `${arg}.dims`, 'an array of dimensions [..., vocab]', dims);
  let size = 1;
  for (let i = 0; i < dims.length; i++) {
    const d = dims[i] as unknown;
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) throw rangeError(fn, `${arg}.dims[${i}]`, 'a non-negative integer', d);
    size *= d;
  }
  if (size !== data.length) throw rangeError(fn, `${arg}.data`, `of length ${size} (the product of dims)`, raw(`length ${data.length}`));
}
