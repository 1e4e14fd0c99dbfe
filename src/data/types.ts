/**
 * Shared data types: user sequences and GR2 re-ranking slates.
 *
 * @packageDocumentation
 */

/** One user's chronological interaction sequence (item ids are positive integers, 1-based as in the files). */
export interface UserSequence {
  readonly user: number;
  readonly items: readonly number[];
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
  /** Whether the pre-ranker retrieved the target itself (false when it was injected). */
  readonly targetRetrieved: boolean;
  /** Pre-ranker scores aligned with `candidates` (descending), when available. */
  readonly scores?: readonly number[];
}
