/**
 * The pre-ranker that builds GR2 re-ranking slates: item-to-item transition scores over the user's history,
 * with popularity as a tie-break.
 *
 * @packageDocumentation
 */
import { assertFiniteNumber, assertPositiveInteger, checkOptions, rangeError, typeError } from '../errors.js';
import { checkInt, checkIntArray, checkSequences, MAX_ARRAY_ELEMENTS, MAX_INT32 } from '../validate.js';
import type { UserSequence } from './types.js';

/** Options of {@link TransitionPreRanker.train}. */
export interface PreRankerOptions {
  /** Largest forward gap `j − i` counted as a transition `v_i → v_j`. @defaultValue `3` */
  readonly window?: number;
  /** Weight of a transition at gap d: `decay^(d−1)`. @defaultValue `0.5` */
  readonly decay?: number;
  /** Weight of the reverse direction (`v_j` followed by `v_i`), as a share of the forward weight. @defaultValue `0.25` */
  readonly backwardWeight?: number;
  /** Weight of the history item t positions from the end: `recency^t`. @defaultValue `0.5` */
  readonly recency?: number;
  /** Exponent α of the source normalisation `C[a][b] / (Σ_b C[a][b])^α` (1 = conditional probability). @defaultValue `0.5` */
  readonly normalization?: number;
  /** Weight of normalised popularity `count(b) / max count`, the tie-break. @defaultValue `1e-4` */
  readonly popularityWeight?: number;
  /** Item ids are `1..numItems`. @defaultValue the largest id in `sequences` */
  readonly numItems?: number;
}

/** Options of {@link TransitionPreRanker.rank}. */
export interface RankOptions {
  /** Drop items already in the history. @defaultValue `true` */
  readonly excludeHistory?: boolean;
  /** Further item ids never returned. @defaultValue `[]` */
  readonly exclude?: readonly number[];
}

/** Result of {@link TransitionPreRanker.rank}. */
export interface RankResult {
  /** The top-k item ids, best first. */
  readonly items: Int32Array;
  /** Their scores, descending. */
  readonly scores: Float64Array;
}

/**
 * An item-to-item transition pre-ranker, trained from interaction sequences only.
 *
 * Training counts, for every sequence `(v_1 … v_n)` and every pair `i < j` with `j − i ≤ window`,
 * `C[v_i][v_j] += decay^(j−i−1)` and `C[v_j][v_i] += backwardWeight · decay^(j−i−1)`; the transition table is
 * `T[a][b] = C[a][b] / (Σ_b' C[a][b'])^α`. Scoring a history `h = (h_1 … h_L)`:
 *
 * `s(b) = Σ_{t=1}^{L} recency^(L−t) · T[h_t][b] + popularityWeight · pop(b) / max pop`,
 *
 * where `pop(b)` counts b's training interactions. Items of the history are excluded by default; ties
 * resolve to the smaller id. This plays the role of GR2's upstream "Pre-rank (MTL)" (P1), which is not public.
 *
 * @example
 * ```ts
 * const pr = TransitionPreRanker.train([{ user: 1, items: [1, 2, 3] }, { user: 2, items: [1, 2, 4] }]);
 * pr.rank([1], 2).items;   // Int32Array [2, 3] (2 follows 1 twice; 3 and 4 tie at gap 2, 3 wins on id)
 * ```
 */
export class TransitionPreRanker {
  /** Item ids are `1..numItems`. */
  readonly numItems: number;
  private readonly offsets: Int32Array;
  private readonly targets: Int32Array;
  private readonly weights: Float64Array;
  /** Training interaction count of each item id (index 0 unused). */
  readonly popularity: Float64Array;
  private readonly popOrder: Int32Array;
  private readonly popNorm: Float64Array;
  private readonly recency: number;
  private readonly scratch: Float64Array;
  private readonly mark: Uint8Array;
  /** 1 for the ids touched by the current accumulation (a score can stay 0: recency or decay 0, underflow). */
  private readonly seen: Uint8Array;

  private constructor(
    numItems: number,
    offsets: Int32Array,
    targets: Int32Array,
    weights: Float64Array,
    popularity: Float64Array,
    recency: number,
    popularityWeight: number,
  ) {
    this.numItems = numItems;
    this.offsets = offsets;
    this.targets = targets;
    this.weights = weights;
    this.popularity = popularity;
    this.recency = recency;
    let maxPop = 0;
    for (let i = 1; i <= numItems; i++) if (popularity[i]! > maxPop) maxPop = popularity[i]!;
    this.popNorm = new Float64Array(numItems + 1);
    for (let i = 1; i <= numItems; i++) this.popNorm[i] = maxPop > 0 ? (popularityWeight * popularity[i]!) / maxPop : 0;
    const order = Array.from({ length: numItems }, (_, i) => i + 1);
    order.sort((a, b) => popularity[b]! - popularity[a]! || a - b);
    this.popOrder = Int32Array.from(order);
    this.scratch = new Float64Array(numItems + 1);
    this.mark = new Uint8Array(numItems + 1);
    this.seen = new Uint8Array(numItems + 1);
  }

  /**
   * Trains the transition table from sequences (use training interactions only, e.g. `leaveOneOut(...).train`).
   *
   * @param sequences - chronological user sequences.
   * @param options - see {@link PreRankerOptions}.
   * @returns the trained pre-ranker.
   * @throws TypeError for a non-array; RangeError for bad options or an item id outside `1..numItems`.
   */
  static train(sequences: readonly UserSequence[], options: PreRankerOptions = {}): TransitionPreRanker {
    const fn = 'TransitionPreRanker.train';
    checkSequences(fn, 'sequences', sequences, false);
    checkOptions(fn, options, ['window', 'decay', 'backwardWeight', 'recency', 'normalization', 'popularityWeight', 'numItems']);
    const window = options.window ?? 3;
    const decay = options.decay ?? 0.5;
    const backwardWeight = options.backwardWeight ?? 0.25;
    const recency = options.recency ?? 0.5;
    const alpha = options.normalization ?? 0.5;
    const popularityWeight = options.popularityWeight ?? 1e-4;
    assertPositiveInteger(fn, 'options.window', window);
    assertFiniteNumber(fn, 'options.decay', decay, { min: 0, max: 1 });
    assertFiniteNumber(fn, 'options.backwardWeight', backwardWeight, { min: 0 });
    assertFiniteNumber(fn, 'options.recency', recency, { min: 0, max: 1 });
    assertFiniteNumber(fn, 'options.normalization', alpha, { min: 0, max: 1 });
    assertFiniteNumber(fn, 'options.popularityWeight', popularityWeight, { min: 0 });
    const numItems = resolveNumItems(fn, 'sequences', sequences, options.numItems);

    const rows: Map<number, number>[] = new Array(numItems + 1);
    const popularity = new Float64Array(numItems + 1);
    const add = (a: number, b: number, w: number): void => {
      let row = rows[a];
      if (row === undefined) rows[a] = row = new Map();
      row.set(b, (row.get(b) ?? 0) + w);
    };
    for (const { items } of sequences) {
      const n = items.length;
      for (let i = 0; i < n; i++) {
        const a = items[i]!;
        popularity[a]! += 1;
        for (let j = i + 1; j < n && j - i <= window; j++) {
          const b = items[j]!;
          if (a === b) continue;
          const w = decay ** (j - i - 1);
          add(a, b, w);
          if (backwardWeight > 0) add(b, a, backwardWeight * w);
        }
      }
    }
    const offsets = new Int32Array(numItems + 2);
    let nnz = 0;
    for (let a = 0; a <= numItems; a++) {
      offsets[a] = nnz;
      nnz += rows[a]?.size ?? 0;
    }
    offsets[numItems + 1] = nnz;
    const targets = new Int32Array(nnz);
    const weights = new Float64Array(nnz);
    for (let a = 1; a <= numItems; a++) {
      const row = rows[a];
      if (!row) continue;
      let total = 0;
      for (const w of row.values()) total += w;
      const norm = total > 0 ? total ** alpha : 1;
      let p = offsets[a]!;
      for (const [b, w] of row) {
        targets[p] = b;
        weights[p] = w / norm;
        p++;
      }
    }
    return new TransitionPreRanker(numItems, offsets, targets, weights, popularity, recency, popularityWeight);
  }

  /** Accumulates transition scores of `history` into `scratch`, returning the touched ids. @internal */
  private accumulate(history: readonly number[]): number[] {
    const { offsets, targets, weights, scratch, seen, numItems } = this;
    const touched: number[] = [];
    const L = history.length;
    let w = 1;
    for (let t = L - 1; t >= 0; t--) {
      const a = history[t]!;
      if (a >= 1 && a <= numItems) {
        for (let p = offsets[a]!; p < offsets[a + 1]!; p++) {
          const b = targets[p]!;
          if (seen[b] === 0) {
            seen[b] = 1;
            touched.push(b);
          }
          scratch[b]! += w * weights[p]!;
        }
      }
      w *= this.recency;
    }
    return touched;
  }

  /**
   * The top-k items for a history, by `s(b)` (see the class formula).
   *
   * @param history - chronological item ids (ids outside `1..numItems` contribute nothing).
   * @param k - number of items, a positive integer.
   * @param options - see {@link RankOptions}.
   * @returns ids and scores, best first (fewer than k only when the catalog is exhausted).
   * @throws TypeError for a non-array history; RangeError for a bad k.
   */
  rank(history: readonly number[], k: number, options: RankOptions = {}): RankResult {
    const fn = 'TransitionPreRanker.rank';
    checkIntArray(fn, 'history', history, -MAX_INT32);
    checkInt(fn, 'k', k, 1);
    checkOptions(fn, options, ['excludeHistory', 'exclude']);
    if (options.exclude !== undefined) checkIntArray(fn, 'options.exclude', options.exclude, -MAX_INT32);
    const r = this.rankWith(history, k, options.excludeHistory ?? true, options.exclude ?? [], []);
    return { items: r.items, scores: r.scores };
  }

  /**
   * Scores of given items for a history (the same `s(b)` as {@link TransitionPreRanker.rank}).
   *
   * @param history - chronological item ids.
   * @param items - ids to score.
   * @returns one score per item (0 for unknown ids).
   */
  score(history: readonly number[], items: readonly number[]): Float64Array {
    checkIntArray('TransitionPreRanker.score', 'history', history, -MAX_INT32);
    checkIntArray('TransitionPreRanker.score', 'items', items, -MAX_INT32);
    return this.rankWith(history, 1, false, [], items).extra;
  }

  /** @internal One accumulation: top-k plus the scores of `extraItems`. */
  rankWith(
    history: readonly number[],
    k: number,
    excludeHistory: boolean,
    exclude: readonly number[],
    extraItems: readonly number[],
  ): { items: Int32Array; scores: Float64Array; extra: Float64Array } {
    const { scratch, mark, seen, popNorm, popOrder, numItems } = this;
    const touched = this.accumulate(history);
    const extra = new Float64Array(extraItems.length);
    for (let i = 0; i < extraItems.length; i++) {
      const b = extraItems[i]!;
      extra[i] = b >= 1 && b <= numItems ? scratch[b]! + popNorm[b]! : 0;
    }
    const blocked: number[] = [];
    const block = (b: number): void => {
      if (b >= 1 && b <= numItems && mark[b] === 0) {
        mark[b] = 1;
        blocked.push(b);
      }
    };
    if (excludeHistory) for (const b of history) block(b);
    for (const b of exclude) block(b);
    // candidates: every touched item, plus the most popular untouched ones (their score is popularity only)
    const candIds: number[] = [];
    for (const b of touched) if (mark[b] === 0) candIds.push(b);
    let added = 0;
    for (let i = 0; i < popOrder.length && added < k; i++) {
      const b = popOrder[i]!;
      if (mark[b] === 0 && seen[b] === 0) {
        candIds.push(b);
        added++;
      }
    }
    const candScores = new Float64Array(candIds.length);
    for (let i = 0; i < candIds.length; i++) candScores[i] = scratch[candIds[i]!]! + popNorm[candIds[i]!]!;
    const m = Math.min(k, candIds.length);
    // partial selection of the top m (m is small): insertion into a sorted buffer
    const topIdx = new Int32Array(m);
    let filled = 0;
    for (let i = 0; i < candIds.length; i++) {
      const s = candScores[i]!;
      const id = candIds[i]!;
      if (filled === m) {
        const last = topIdx[m - 1]!;
        const ls = candScores[last]!;
        if (s < ls || (s === ls && id > candIds[last]!)) continue;
      }
      let p = filled < m ? filled++ : m - 1;
      while (p > 0) {
        const q = topIdx[p - 1]!;
        const qs = candScores[q]!;
        if (qs > s || (qs === s && candIds[q]! < id)) break;
        topIdx[p] = q;
        p--;
      }
      topIdx[p] = i;
    }
    const items = new Int32Array(m);
    const scores = new Float64Array(m);
    for (let i = 0; i < m; i++) {
      items[i] = candIds[topIdx[i]!]!;
      scores[i] = candScores[topIdx[i]!]!;
    }
    for (const b of touched) {
      scratch[b] = 0;
      seen[b] = 0;
    }
    for (const b of blocked) mark[b] = 0;
    return { items, scores, extra };
  }
}

/**
 * @internal Checks that every item of `sequences` is a positive integer id (RangeError naming
 * `<arg>[s].items[i]`) and resolves the catalog size: `numItems` when given (at least the largest id), else
 * the largest id.
 */
export function resolveNumItems(fn: string, arg: string, sequences: readonly UserSequence[], numItems: number | undefined): number {
  let maxId = 0;
  for (let s = 0; s < sequences.length; s++) {
    const items = sequences[s]!.items;
    for (let i = 0; i < items.length; i++) {
      const v = items[i]!;
      if (!Number.isInteger(v) || v < 1) throw rangeError(fn, `${arg}[${s}].items[${i}]`, 'a positive integer id', v);
      if (v > maxId) maxId = v;
    }
  }
  const n = numItems ?? maxId;
  // id-indexed tables of numItems + 1 entries are built: beyond 2^26 items they would not fit comfortably
  checkInt(fn, numItems === undefined ? `${arg} (largest item id)` : 'options.numItems', n, 1, MAX_ARRAY_ELEMENTS);
  if (maxId > n) throw rangeError(fn, 'options.numItems', `at least the largest item id ${maxId}`, n);
  return n;
}
