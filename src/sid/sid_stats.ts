/**
 * Statistics of a semantic-ID assignment: uniqueness, collision groups, per-level code usage,
 * entropy and dead codes (paper-digest.md §2.2).
 *
 * @packageDocumentation
 */
import { rangeError, raw } from '../errors.js';
import { MAX_ARRAY_ELEMENTS } from '../validate.js';
import { resolveCodebookSizes, rowGroups, rowKey, toSidCodes, type SidCodesLike } from './codes.js';

/**
 * Uniqueness = (number of distinct SID tuples) / (number of items). 1 for an empty set.
 *
 * @param codes - `[n, levels]` codes.
 * @returns a number in `(0, 1]`.
 * @example
 * ```ts
 * sidUniqueness([[1, 2], [1, 2], [3, 4]]); // 2 / 3
 * ```
 */
export function sidUniqueness(codes: SidCodesLike): number {
  const C = toSidCodes(codes, 'codes', 'sidUniqueness');
  const [n, L] = C.dims as [number, number];
  if (n === 0) return 1;
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) seen.add(rowKey(C.data, L, i));
  return seen.size / n;
}

/**
 * Groups of items (row indices, ascending) that share the same full SID; only groups of size ≥ 2,
 * ordered by decreasing size then by first row.
 *
 * @param codes - `[n, levels]` codes.
 * @example
 * ```ts
 * sidCollisionGroups([[1, 2], [3, 4], [1, 2]]); // [[0, 2]]
 * ```
 */
export function sidCollisionGroups(codes: SidCodesLike): number[][] {
  const C = toSidCodes(codes, 'codes', 'sidCollisionGroups');
  const [n, L] = C.dims as [number, number];
  return [...rowGroups(C.data, L, n).values()].filter((g) => g.length > 1).sort((a, b) => b.length - a.length || a[0]! - b[0]!);
}

/** Usage of one level's codebook. */
export interface LevelUsage {
  /** Codebook size `C_l`. */
  readonly codebookSize: number;
  /** `[C_l]` items per code. */
  readonly counts: Int32Array;
  /** Codes used by at least one item. */
  readonly used: number;
  /** Codes used by no item (`C_l − used`). */
  readonly dead: number;
  /** `dead / C_l`. */
  readonly deadRate: number;
  /** Shannon entropy of the code distribution in bits: `−Σ_j p_j log₂ p_j`, `p_j = counts_j / n`. */
  readonly entropy: number;
  /** `entropy / log₂ C_l` (1 = perfectly uniform usage). */
  readonly normalizedEntropy: number;
  /** `2^entropy`, the effective number of codes. */
  readonly perplexity: number;
}

/** Result of {@link sidStatistics}. */
export interface SidStatistics {
  /** Items `n`. */
  readonly items: number;
  /** Distinct SID tuples. */
  readonly distinct: number;
  /** `distinct / n` (1 for `n = 0`). */
  readonly uniqueness: number;
  /** `1 − uniqueness`. */
  readonly collisionRate: number;
  /** Number of SIDs shared by ≥ 2 items. */
  readonly collisionGroups: number;
  /** Items whose SID is shared with another item. */
  readonly collidedItems: number;
  /** Size of the largest group of items sharing one SID (1 when unique, 0 when empty). */
  readonly largestGroup: number;
  /** Per-level usage, entropy and dead codes. */
  readonly levels: readonly LevelUsage[];
}

/**
 * Uniqueness, collisions and per-level codebook usage of a SID assignment.
 *
 * @param codes - `[n, levels]` codes, each in `[0, codebookSizes[l])`.
 * @param codebookSizes - one size per level, or one size for all.
 * @throws RangeError when a code is outside its codebook or the sizes do not match the levels.
 * @example
 * ```ts
 * const s = sidStatistics([[0, 1], [0, 1], [1, 0]], 2);
 * // s.uniqueness = 2/3, s.collisionGroups = 1, s.levels[0].used = 2, s.levels[0].entropy ≈ 0.918
 * ```
 */
export function sidStatistics(codes: SidCodesLike, codebookSizes: number | readonly number[]): SidStatistics {
  const fn = 'sidStatistics';
  const C = toSidCodes(codes, 'codes', fn);
  const [n, L] = C.dims as [number, number];
  const sizes = resolveCodebookSizes(fn, codebookSizes, L);
  // one Int32Array of counts per level is returned: refuse sizes whose counts cannot be held (2^26 in all)
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total > MAX_ARRAY_ELEMENTS) {
    throw rangeError(fn, 'codebookSizes', `at most ${MAX_ARRAY_ELEMENTS} codes in all (one count per code is returned)`, raw(`${total} codes`));
  }
  const levels: LevelUsage[] = sizes.map((size, l) => {
    const counts = new Int32Array(size);
    for (let i = 0; i < n; i++) {
      const c = C.data[i * L + l]!;
      if (c < 0 || c >= size) throw rangeError(fn, `codes[${i}][${l}]`, `in [0, ${size})`, c);
      counts[c]!++;
    }
    let used = 0;
    let entropy = 0;
    for (let j = 0; j < size; j++) {
      const c = counts[j]!;
      if (c > 0) {
        used++;
        const p = c / n;
        entropy -= p * Math.log2(p);
      }
    }
    return {
      codebookSize: size,
      counts,
      used,
      dead: size - used,
      deadRate: (size - used) / size,
      entropy,
      normalizedEntropy: size > 1 ? entropy / Math.log2(size) : 0,
      perplexity: 2 ** entropy,
    };
  });
  const groups = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const key = rowKey(C.data, L, i);
    groups.set(key, (groups.get(key) ?? 0) + 1);
  }
  let collisionGroups = 0;
  let collidedItems = 0;
  let largestGroup = 0;
  for (const size of groups.values()) {
    if (size > 1) {
      collisionGroups++;
      collidedItems += size;
    }
    if (size > largestGroup) largestGroup = size;
  }
  const uniqueness = n === 0 ? 1 : groups.size / n;
  return {
    items: n,
    distinct: groups.size,
    uniqueness,
    collisionRate: 1 - uniqueness,
    collisionGroups,
    collidedItems,
    largestGroup,
    levels,
  };
}
