/**
 * Shared data types: user sequences, leave-one-out examples and GR2 re-ranking slates.
 *
 * @packageDocumentation
 */

/** One user's chronological interaction sequence (item ids are positive integers, 1-based as in the files). */
export interface UserSequence {
  readonly user: number;
  readonly items: readonly number[];
}

/** A parsed sequence file with its counts. */
export interface SequenceDataset {
  /** One entry per user, in file order. */
  readonly sequences: readonly UserSequence[];
  /** Number of users (lines). */
  readonly numUsers: number;
  /** Largest item id (ids are `1..numItems`; row 0 of id-indexed tables is unused). */
  readonly numItems: number;
  /** Total number of interactions. */
  readonly numInteractions: number;
}

/** One leave-one-out example: the history before the held-out item, and that item. */
export interface HeldOutExample {
  readonly user: number;
  /** Chronological items before the target. */
  readonly history: readonly number[];
  /** The held-out next item. */
  readonly target: number;
}

/**
 * A GR2 re-ranking slate: K candidates in the pre-ranker's order, with relevance labels aligned to
 * `candidates` (binary for the single-target P1 setting, graded 0/1/2 for the Technical Report setting).
 *
 * @example
 * ```ts
 * const slate: Slate = {
 *   user: 7, history: [12, 40, 3], candidates: [5, 9, 81, 2, 6, 11, 30, 4, 8, 1],
 *   relevance: [0, 0, 1, 0, 0, 0, 0, 0, 0, 0], target: 81, targetRank: 3, targetRetrieved: true,
 * };
 * ```
 */
export interface Slate {
  /** User id. */
  readonly user: number;
  /** The history the slate was built from (chronological item ids, without the target). */
  readonly history: readonly number[];
  /** K candidate item ids, in pre-rank order (position 0 = rank 1). */
  readonly candidates: readonly number[];
  /** Relevance label of each candidate (same length as `candidates`); 0 = not relevant. */
  readonly relevance: readonly number[];
  /** The single ground-truth item, when the slate has one (P1 setting); `null` for multi-positive slates. */
  readonly target: number | null;
  /** 1-based pre-rank position of `target` in `candidates` (`null` when `target` is null). */
  readonly targetRank: number | null;
  /**
   * Whether the pre-ranker retrieved the target itself (false when it was injected). For multi-positive
   * slates: whether every positive in the slate was retrieved (none injected).
   */
  readonly targetRetrieved: boolean;
  /**
   * The pre-ranker's own score of each candidate, aligned with `candidates`. Descending for retrieved
   * candidates; an injected positive keeps its real (lower) score, so the sequence is not monotone there.
   */
  readonly scores?: readonly number[];
}
