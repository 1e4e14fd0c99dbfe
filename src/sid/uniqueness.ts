/**
 * GR2's SID uniqueness techniques on the last level(s): random last level (uniform, or among codes still
 * free under the same prefix) and a deterministic collision-aware assignment with a certificate.
 *
 * @packageDocumentation
 */
import { matMul } from '../backend/ops.js';
import { Tensor, toMatrix, type MatrixLike } from '../backend/tensor.js';
import type { BackendOption } from '../backend/types.js';
import { Gr2Error, assertNonNegativeInteger, assertOneOf, assertPositiveInteger, rangeError, raw, checkOptions } from '../errors.js';
import { Random } from '../sampling/random.js';
import { resolveCodebookSizes, rowGroups, rowKey, toSidCodes, type SidCodes, type SidCodesLike } from './codes.js';

/**
 * Some SID prefix holds more items than the last codebook has codes, so no assignment of the last level
 * can make every SID unique. `overfullPrefixes` lists each such prefix with its item count.
 *
 * @example
 * ```ts
 * try { await rq.assignSids(items); } catch (e) {
 *   if (e instanceof SidCollisionError) e.overfullPrefixes; // [{ prefix: [3, 17, 5], load: 300 }]
 * }
 * ```
 */
export class SidCollisionError extends Gr2Error {
  override readonly name = 'SidCollisionError';
  constructor(
    message: string,
    /** Overfull prefixes (codes of the first `levels − 1` levels) with their loads, most loaded first. */
    readonly overfullPrefixes: readonly { readonly prefix: readonly number[]; readonly load: number }[],
  ) {
    super(message);
  }
}

/** Mode of {@link randomLastLevel}. */
export type RandomLastLevelMode = 'uniform' | 'free';

/** Options of {@link randomLastLevel}. */
export interface RandomLastLevelOptions {
  /**
   * `'uniform'`: `z ~ Uniform{0..C−1}` independently per item (GR2, paper-digest.md §2.2 item 5).
   * `'free'`: uniform among the suffixes not yet taken under the same prefix (items in row order),
   * falling back to uniform when all are taken.
   * @defaultValue `'uniform'`
   */
  readonly mode?: RandomLastLevelMode;
  /** How many trailing levels `M` are drawn at random. @defaultValue `1` */
  readonly levels?: number;
  /** Seed. @defaultValue `1234` */
  readonly seed?: number;
}

/**
 * GR2's random last level(s): keeps the greedy codes of the first `L − M` levels and replaces the last
 * `M` codes of every item by random draws (`z_l ~ Uniform{0..C_l − 1}` for `l > L − M`), trading
 * last-level semantics for uniqueness. `mode: 'free'` draws only among the last-`M`-level suffixes not
 * yet used under the item's prefix, so SIDs are unique whenever no prefix holds more items than
 * `Π C_l` suffixes.
 *
 * @param codes - `[n, L]` greedy codes (not modified).
 * @param codebookSizes - size of each level's codebook (one number for all levels).
 * @param options - see {@link RandomLastLevelOptions}.
 * @returns new `[n, L]` codes.
 * @throws RangeError when `levels` is not in `[1, L]` or sizes do not match.
 * @example
 * ```ts
 * const c = randomLastLevel([[3, 1], [3, 1]], 4, { mode: 'free', seed: 7 });
 * // c.data[0] = c.data[2] = 3; c.data[1] ≠ c.data[3]
 * ```
 */
export function randomLastLevel(
  codes: SidCodesLike,
  codebookSizes: number | readonly number[],
  options: RandomLastLevelOptions = {},
): SidCodes {
  const fn = 'randomLastLevel';
  checkOptions(fn, options, ['mode', 'levels', 'seed']);
  const C = toSidCodes(codes, 'codes', fn);
  const [n, L] = C.dims as [number, number];
  const sizes = resolveCodebookSizes(fn, codebookSizes, L);
  const mode = options.mode ?? 'uniform';
  const M = options.levels ?? 1;
  const seed = options.seed ?? 1234;
  assertOneOf(fn, 'options.mode', mode, ['uniform', 'free'] as const);
  assertPositiveInteger(fn, 'options.levels', M);
  if (M > L) throw rangeError(fn, 'options.levels', `at most the number of levels ${L}`, M);
  assertNonNegativeInteger(fn, 'options.seed', seed);
  const rng = new Random(seed);
  const out = Int32Array.from(C.data);
  const P = L - M;
  const suffixSizes = sizes.slice(P);
  let space = 1;
  for (const s of suffixSizes) space *= s;
  const setSuffix = (i: number, s: number) => {
    for (let l = L - 1; l >= P; l--) {
      const size = sizes[l]!;
      out[i * L + l] = s % size;
      s = Math.floor(s / size);
    }
  };
  if (mode === 'uniform') {
    for (let i = 0; i < n; i++) for (let l = P; l < L; l++) out[i * L + l] = Math.floor(rng.random() * sizes[l]!);
    return new Tensor('int32', out, [n, L]);
  }
  const taken = new Map<string, Set<number>>();
  for (let i = 0; i < n; i++) {
    const key = rowKey(C.data, L, i, P);
    let set = taken.get(key);
    if (!set) taken.set(key, (set = new Set()));
    let s: number;
    if (set.size >= space) {
      s = Math.floor(rng.random() * space);
    } else if (set.size < space / 2) {
      do s = Math.floor(rng.random() * space);
      while (set.has(s));
    } else {
      const free: number[] = [];
      for (let v = 0; v < space; v++) if (!set.has(v)) free.push(v);
      s = free[Math.floor(rng.random() * free.length)]!;
    }
    set.add(s);
    setSuffix(i, s);
  }
  return new Tensor('int32', out, [n, L]);
}

/** Certificate returned by {@link collisionAwareLastLevel}: SIDs are unique and what it cost. */
export interface CollisionCertificate {
  /** Always `true` when returned (an impossible case throws {@link SidCollisionError}). */
  readonly unique: true;
  /** Items. */
  readonly items: number;
  /** Largest number of items under one prefix (first `L − 1` levels); `≤ lastCodebookSize`. */
  readonly maxPrefixLoad: number;
  /** Size of the last codebook. */
  readonly lastCodebookSize: number;
  /** Prefixes whose items had a full-SID collision before the assignment. */
  readonly resolvedPrefixes: number;
  /** Items whose last code changed. */
  readonly movedItems: number;
  /** `Σ_i (‖r_i − e_{new z_i}‖² − ‖r_i − e_{old z_i}‖²)` over the moved items (≥ 0 up to rounding). */
  readonly addedDistortion: number;
  /** `addedDistortion / n`: the increase of the mean squared reconstruction error. */
  readonly addedDistortionPerItem: number;
}

/** Options of {@link collisionAwareLastLevel}. */
export interface CollisionAwareOptions extends BackendOption {}

/**
 * Deterministic collision-aware last-level assignment. Items are grouped by their prefix (first `L − 1`
 * codes). In every group that has a full-SID collision, all (item, code) pairs are sorted by the
 * distance `‖r_i − e_j‖²` of the item's last-level residual to the last-level code (ties: lower item,
 * then lower code) and matched greedily — each item gets the nearest code still free under its prefix,
 * the closest claimant keeps a contested code. Groups without a collision keep their codes. The result
 * is 100 % unique whenever `maxPrefixLoad ≤ C_L`.
 *
 * @param codes - `[n, L]` greedy codes (not modified).
 * @param residuals - `[n, d]` residual of each item before the last level (`x − Σ_{l<L} e_{z_l}`).
 * @param lastCodebook - `[C_L, d]` last-level codebook.
 * @param options - `backend` for the distance products.
 * @returns the new codes and a {@link CollisionCertificate}.
 * @throws {@link SidCollisionError} naming the overfull prefixes when some prefix holds more than `C_L`
 *   items; RangeError on shape mismatches.
 * @example
 * ```ts
 * // two items share the prefix [0] and the greedy last code 0 (residuals 0.1 and 0.2, codes at 0 and 1)
 * const { codes, certificate } = await collisionAwareLastLevel([[0, 0], [0, 0]], [[0.1], [0.2]], [[0], [1]]);
 * // codes.data = [0, 0, 0, 1]; certificate.movedItems = 1, certificate.addedDistortion ≈ 0.64 − 0.04 = 0.6
 * ```
 */
export async function collisionAwareLastLevel(
  codes: SidCodesLike,
  residuals: MatrixLike,
  lastCodebook: MatrixLike,
  options: CollisionAwareOptions = {},
): Promise<{ codes: SidCodes; certificate: CollisionCertificate }> {
  const fn = 'collisionAwareLastLevel';
  const C = toSidCodes(codes, 'codes', fn);
  const [n, L] = C.dims as [number, number];
  const R = toMatrix(residuals, 'residuals', fn, { checkFinite: true });
  const E = toMatrix(lastCodebook, 'lastCodebook', fn, { checkFinite: true });
  const [K, d] = E.dims as [number, number];
  if (L < 1) throw rangeError(fn, 'codes', 'at least one level', raw('0 levels'));
  if (R.dims[0] !== n) throw rangeError(fn, 'residuals', `of ${n} rows (as codes)`, raw(`${R.dims[0]} rows`));
  if (R.dims[1] !== d) throw rangeError(fn, 'residuals', `of dimension ${d} (as lastCodebook)`, raw(`dimension ${R.dims[1]}`));
  // Group by prefix.
  const groups = rowGroups(C.data, L, n, L - 1);
  let maxLoad = 0;
  const overfull: { prefix: number[]; load: number }[] = [];
  for (const g of groups.values()) {
    maxLoad = Math.max(maxLoad, g.length);
    if (g.length > K) overfull.push({ prefix: Array.from(C.data.subarray(g[0]! * L, g[0]! * L + L - 1)), load: g.length });
  }
  if (overfull.length > 0) {
    overfull.sort((a, b) => b.load - a.load);
    const shown = overfull
      .slice(0, 5)
      .map((o) => `[${o.prefix.join(', ')}] holds ${o.load}`)
      .join('; ');
    throw new SidCollisionError(
      `${fn}: ${overfull.length} prefix(es) hold more items than the last codebook has codes (${K}): ${shown}` +
        `${overfull.length > 5 ? '; …' : ''}. No last-level assignment can make every SID unique. ` +
        `Remedies: a larger last codebook (codebookSize ≥ ${maxLoad} on the last level), more or larger earlier levels, ` +
        'or an extra disambiguation level appended to the SID (as TIGER does).',
      overfull,
    );
  }
  // Items of groups with a full-SID collision.
  const todo: number[][] = [];
  for (const g of groups.values()) {
    if (g.length < 2) continue;
    const seen = new Set<number>();
    let collide = false;
    for (const i of g) {
      const z = C.data[i * L + L - 1]!;
      if (seen.has(z)) {
        collide = true;
        break;
      }
      seen.add(z);
    }
    if (collide) todo.push(g);
  }
  const out = Int32Array.from(C.data);
  let moved = 0;
  let added = 0;
  if (todo.length > 0) {
    const rows = todo.flat();
    const m = rows.length;
    const sub = new Float32Array(m * d);
    rows.forEach((i, r) => sub.set(R.data.subarray(i * d, i * d + d), r * d));
    const cross = await matMul(new Tensor('float32', sub, [m, d]), E, { transposeB: true, backend: options.backend });
    const eNorm = new Float64Array(K);
    for (let j = 0; j < K; j++) {
      let s = 0;
      for (let t = 0; t < d; t++) s += E.data[j * d + t]! ** 2;
      eNorm[j] = s;
    }
    let r0 = 0;
    for (const g of todo) {
      const pairs: { dist: number; item: number; code: number }[] = [];
      const dist = new Map<number, Float64Array>();
      g.forEach((i, gi) => {
        const r = r0 + gi;
        let rn = 0;
        for (let t = 0; t < d; t++) rn += sub[r * d + t]! ** 2;
        const row = new Float64Array(K);
        for (let j = 0; j < K; j++) {
          row[j] = Math.max(0, rn - 2 * cross.data[r * K + j]! + eNorm[j]!);
          pairs.push({ dist: row[j]!, item: i, code: j });
        }
        dist.set(i, row);
      });
      r0 += g.length;
      pairs.sort((a, b) => a.dist - b.dist || a.item - b.item || a.code - b.code);
      const itemDone = new Set<number>();
      const codeTaken = new Set<number>();
      for (const p of pairs) {
        if (itemDone.has(p.item) || codeTaken.has(p.code)) continue;
        itemDone.add(p.item);
        codeTaken.add(p.code);
        const old = C.data[p.item * L + L - 1]!;
        out[p.item * L + L - 1] = p.code;
        if (p.code !== old) {
          moved++;
          const row = dist.get(p.item)!;
          added += row[p.code]! - row[old]!;
        }
        if (itemDone.size === g.length) break;
      }
    }
  }
  return {
    codes: new Tensor('int32', out, [n, L]),
    certificate: {
      unique: true,
      items: n,
      maxPrefixLoad: maxLoad,
      lastCodebookSize: K,
      resolvedPrefixes: todo.length,
      movedItems: moved,
      addedDistortion: added,
      addedDistortionPerItem: n > 0 ? added / n : 0,
    },
  };
}
