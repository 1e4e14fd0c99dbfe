/**
 * Shared types and convention options of the ranking metrics.
 *
 * @packageDocumentation
 */

/** An item identifier inside a ranking: a number (e.g. an item id or a candidate index) or a string (a SID). */
export type ItemId = number | string;

/**
 * Relevance judgments ("qrels") of one query, in any of these forms:
 * - a single id: the one relevant item, grade 1 (the GR2 P1 single-target setting);
 * - an array of ids: binary multi-positive, each grade 1;
 * - a `Map<id, grade>`: graded relevance (grades ≥ 0; 0 = not relevant);
 * - a plain object `{ [id]: grade }` (keys are strings; numeric ids are looked up as `String(id)`).
 *
 * An item is *relevant* when its grade is > 0. Items absent from the judgments have grade 0.
 */
export type Relevance =
  | ItemId
  | readonly ItemId[]
  | ReadonlyMap<ItemId, number>
  | Readonly<Record<string, number>>;

/**
 * A scored run: ids with scores (higher = better). The metrics sort by score, descending; equal scores are
 * resolved by the `ties` option.
 */
export interface ScoredList {
  /** Item ids. */
  readonly ids: readonly ItemId[] | ArrayLike<number>;
  /** One finite score per id. */
  readonly scores: ArrayLike<number>;
}

/** A ranking: ids best-first (array or typed array), or a {@link ScoredList}. */
export type Ranking = readonly ItemId[] | ArrayLike<number> | ScoredList;

/**
 * How tied scores in a {@link ScoredList} are ordered:
 * - `'average'`: the expected value over a uniformly random order of each tie group (for DCG this is the
 *   tie-averaged DCG of scikit-learn's `ndcg_score`; for AUC a tied pair counts ½);
 * - `'optimistic'`: higher grades first within a tie group;
 * - `'pessimistic'`: lower grades first within a tie group;
 * - `'stable'`: the input order within a tie group.
 * Plain rankings (no scores) have no ties.
 */
export type TieBreaking = 'average' | 'optimistic' | 'pessimistic' | 'stable';

/** DCG gain of a grade g: `'linear'` g (trec_eval, scikit-learn) or `'exponential'` 2^g − 1 (Burges; GR2 TR Eq. 6). */
export type Gain = 'linear' | 'exponential';

/**
 * What a query with no relevant item returns (for `auc`: no positive or no negative):
 * `'zero'` → 0, `'skip'` → `NaN` (dropped from means by `evaluate`), `'error'` → throws `RangeError`.
 */
export type NoRelevantPolicy = 'zero' | 'skip' | 'error';

/**
 * A cut-off `k` larger than the ranking: `'pad'` treats the missing positions as non-relevant
 * (trec_eval; precision divides by k), `'clamp'` uses k = ranking length, `'error'` throws `RangeError`.
 */
export type KBeyondList = 'pad' | 'clamp' | 'error';

/** Duplicate ids in a ranking: `'error'` throws `RangeError`; `'first'` keeps the first occurrence only. */
export type DuplicatePolicy = 'error' | 'first';

/** Options shared by every per-query metric. All fields are optional. */
export interface MetricOptions {
  /** Tie handling for scored runs. @defaultValue `'average'` */
  readonly ties?: TieBreaking;
  /** Value for a query with no relevant item. @defaultValue `'zero'` */
  readonly noRelevant?: NoRelevantPolicy;
  /** Cut-off larger than the list. @defaultValue `'pad'` */
  readonly kBeyondList?: KBeyondList;
  /** Duplicate ids in the ranking. @defaultValue `'error'` */
  readonly duplicates?: DuplicatePolicy;
  /**
   * The allowed ids (e.g. the slate's candidates). When given, an id of the ranking outside this set throws
   * `RangeError` naming `'ranking'`. @defaultValue `undefined` (any id allowed; unjudged ids have grade 0)
   */
  readonly candidates?: readonly ItemId[] | ArrayLike<number>;
}

/** Options of `recallAtK`. */
export interface RecallOptions extends MetricOptions {
  /**
   * Denominator: `'relevant'` = |relevant| (trec_eval, ranx) or `'min-relevant-k'` = min(|relevant|, k)
   * (the "R-capped" recall that reaches 1 when k < |relevant|). @defaultValue `'relevant'`
   */
  readonly denominator?: 'relevant' | 'min-relevant-k';
}

/** Options of `ndcgAtK`. */
export interface NdcgOptions extends MetricOptions {
  /** Gain function. @defaultValue `'linear'` */
  readonly gain?: Gain;
  /**
   * Where the ideal DCG comes from: `'qrels'` = every judged relevant item, best first, cut at k (trec_eval,
   * ranx; relevant items missing from the ranking lower NDCG) or `'ranking'` = the grades of the ranked
   * items only (scikit-learn `ndcg_score`, which sees only the listed documents). @defaultValue `'qrels'`
   */
  readonly ideal?: 'qrels' | 'ranking';
}

/** Options of `auc`. */
export interface AucOptions extends Omit<MetricOptions, 'kBeyondList'> {
  /**
   * `'binary'`: pairs (positive, negative) with positive = grade > 0 (GR2 TR Eq. 5); `'graded'`: every pair
   * with different grades, counted correct when the higher grade ranks first. Equal for binary labels.
   * @defaultValue `'binary'`
   */
  readonly pairs?: 'binary' | 'graded';
}
