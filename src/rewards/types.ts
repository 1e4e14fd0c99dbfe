/**
 * The `Reward` protocol (STYLE.md §10): a batch of samples in, one finite number or `null` per sample out.
 *
 * @packageDocumentation
 */
import { typeError } from '../errors.js';

/** One reward value: a finite number, or `null` when the reward does not apply to the sample (TRL convention). */
export type RewardValue = number | null;

/**
 * One re-ranking rollout to score.
 *
 * @example
 * ```ts
 * const sample: RerankSample = {
 *   prompt: '…',
 *   completion: '{"explanation": "…", "recommendations": [ … ]}',
 *   candidates: [sidA, sidB, sidC],          // pre-ranked order
 *   relevance: { [sidC]: 1 },                // the target (binary) or graded labels
 * };
 * ```
 */
export interface RerankSample {
  /** The prompt the completion answers (not read by the built-in rewards). */
  readonly prompt: string;
  /** Raw model output. */
  readonly completion: string;
  /** Candidate ids (SID strings) in incoming, pre-ranked order. */
  readonly candidates: readonly string[];
  /** Graded labels keyed by candidate id (own properties; absent = 0). Binary P1 slates: `{[target]: 1}`. */
  readonly relevance: Readonly<Record<string, number>>;
  /**
   * The single ground-truth candidate (P1 setting). When absent, the P1 rewards use the candidate with the
   * highest relevance (> 0), the first in input order on ties.
   */
  readonly target?: string;
  /**
   * Length of the completion in **tokens**, for length penalties. When absent, `createOverlongPenalty` counts them
   * with its `countTokens` option, or throws: characters are never taken for tokens.
   */
  readonly completionLength?: number;
}

/** Optional trainer context passed to rewards (TRL `trainer_state`, `log_extra`). */
export interface RewardContext {
  /** Training step. */
  readonly step?: number;
  /** Logs extra per-sample values under `key`. */
  log?(key: string, values: readonly unknown[]): void;
}

/**
 * A reward: deterministic and side-effect free given `(samples, context)`; sync or async. Widen `S` to read custom
 * fields, e.g. `Reward<RerankSample & { category: string }>`.
 */
export type Reward<S = RerankSample> = (
  samples: readonly S[],
  context?: RewardContext,
) => readonly RewardValue[] | Promise<readonly RewardValue[]>;

/** A reward that is known to be synchronous (every built-in one is). */
export type SyncReward<S = RerankSample> = (samples: readonly S[], context?: RewardContext) => RewardValue[];

/**
 * Gives a reward function a stable `name` (used as its logging key), like TRL's fixed `__name__`.
 *
 * @param name - The name, e.g. `'rank_promotion'`.
 * @param reward - The reward function.
 * @returns The same function, renamed.
 * @throws TypeError if `name` is not a non-empty string or `reward` is not a function.
 * @example
 * ```ts
 * const r = defineReward('length', (samples) => samples.map((s) => s.completion.length));
 * r.name; // 'length'
 * ```
 */
export function defineReward<F extends (...args: never[]) => unknown>(name: string, reward: F): F {
  if (typeof name !== 'string' || name.length === 0) throw typeError('defineReward', 'name', 'a non-empty string', name);
  if (typeof reward !== 'function') throw typeError('defineReward', 'reward', 'a function', reward);
  Object.defineProperty(reward, 'name', { value: name, configurable: true });
  return reward;
}

/**
 * The logging name of a reward: its `name`, or `'reward'` when anonymous.
 *
 * @param reward - A reward function.
 * @returns The name.
 * @example
 * ```ts
 * rewardName(createConditionalReward()); // 'conditional_verifiable'
 * ```
 */
export function rewardName(reward: (...args: never[]) => unknown): string {
  if (typeof reward !== 'function') throw typeError('rewardName', 'reward', 'a function', reward);
  return reward.name && reward.name.length > 0 ? reward.name : 'reward';
}
