/**
 * Reward combinators (weighted sum, condition) and the reward contract check.
 *
 * @packageDocumentation
 */
import { RewardContractError, rangeError, typeError, checkOptions } from '../errors.js';
import { defineReward, rewardName, type Reward, type RewardContext, type RewardValue } from './types.js';

/** One weighted term of {@link combineRewards}. */
export interface WeightedReward<S> {
  /** The reward. */
  readonly reward: Reward<S>;
  /**
   * Its weight.
   * @defaultValue `1`
   */
  readonly weight?: number;
}

function isPromise<T>(v: unknown): v is Promise<T> {
  return v !== null && typeof v === 'object' && typeof (v as { then?: unknown }).then === 'function';
}

/**
 * @internal Checks one reward's output against the contract: one value per sample, each finite or `null` (also used
 * by the audit).
 *
 * @throws RewardContractError naming the reward.
 */
export function checkRewardValues(name: string, values: unknown, n: number): readonly RewardValue[] {
  if (!Array.isArray(values)) {
    throw new RewardContractError(`reward '${name}' returned ${values === null ? 'null' : typeof values}, not an array of values`);
  }
  if (values.length !== n) throw new RewardContractError(`reward '${name}' returned ${values.length} values for ${n} samples`);
  for (let i = 0; i < n; i++) {
    const v: unknown = values[i];
    if (v === null) continue;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new RewardContractError(`reward '${name}' returned ${String(v)} for sample ${i}; values must be finite numbers or null`);
    }
  }
  return values as readonly RewardValue[];
}

function mapMaybeAsync<T, R>(values: readonly (T | Promise<T>)[], f: (vs: T[]) => R): R | Promise<R> {
  if (values.some(isPromise)) return Promise.all(values).then(f);
  return f(values as T[]);
}

/**
 * Weighted sum of rewards: R = Σ_j w_j·R_j, skipping `null` terms; a sample where **every** term is `null` gets
 * `null` (unscorable: trainers exclude it from the group baseline, as TRL does with NaN). Each term's output is
 * checked against the reward contract. The result is synchronous when every term is.
 *
 * @param terms - Rewards or `{reward, weight}` entries.
 * @param options - `name` of the combined reward. @defaultValue `'combined'`
 * @returns The combined reward.
 * @throws TypeError if a term is not a reward; RangeError if a weight is not finite or `terms` is empty.
 *   The combined reward throws RewardContractError when a term breaks the contract.
 * @example
 * ```ts
 * const r = combineRewards([createRankPromotionReward(), { reward: createFormatReward(), weight: 0.2 }]);
 * r.name; // 'combined' — equal to createNaiveReward() on valid output
 * ```
 */
export function combineRewards<S>(
  terms: readonly (Reward<S> | WeightedReward<S>)[],
  options: { readonly name?: string } = {},
): Reward<S> {
  const fn = 'combineRewards';
  if (!Array.isArray(terms)) throw typeError(fn, 'terms', 'an array of rewards', terms);
  if (terms.length === 0) throw rangeError(fn, 'terms', 'non-empty', terms);
  checkOptions(fn, options, ['name']);
  const parts = terms.map((t, i) => {
    if (typeof t !== 'function' && (t === null || typeof t !== 'object')) throw typeError(fn, `terms[${i}]`, 'a reward or {reward, weight}', t);
    const reward = typeof t === 'function' ? t : (t as WeightedReward<S>)?.reward;
    const weight = typeof t === 'function' ? 1 : ((t as WeightedReward<S>).weight ?? 1);
    if (typeof reward !== 'function') throw typeError(fn, `terms[${i}].reward`, 'a reward function', reward);
    if (typeof weight !== 'number' || !Number.isFinite(weight)) throw rangeError(fn, `terms[${i}].weight`, 'a finite number', weight);
    return { reward, weight, name: rewardName(reward) };
  });
  const name = options.name ?? 'combined';
  return defineReward(name, (samples: readonly S[], context?: RewardContext) => {
    const outs = parts.map((p) => p.reward(samples, context));
    return mapMaybeAsync(outs, (vals) => {
      const checked = vals.map((v, j) => checkRewardValues(parts[j]!.name, v, samples.length));
      const res: RewardValue[] = new Array(samples.length);
      for (let i = 0; i < samples.length; i++) {
        let sum = 0;
        let any = false;
        for (let j = 0; j < parts.length; j++) {
          const v = checked[j]![i]!;
          if (v === null) continue;
          sum += parts[j]!.weight * v;
          any = true;
        }
        res[i] = any ? sum : null;
      }
      return res;
    });
  });
}

/**
 * Pays `reward` only when `when(sample)` holds and `otherwise` elsewhere — the building block of GR2's conditional
 * verifiable reward (the format bonus paid only when the ranking condition holds, P1 §6.3 / TR §6.4).
 * Use `0` for "condition not met"; `null` only for "not applicable".
 *
 * @param when - Per-sample predicate `(sample, index) => boolean`.
 * @param reward - Reward paid where the predicate holds.
 * @param otherwise - A constant or a reward for the other samples. @defaultValue `0`
 * @param options - `name` of the result. @defaultValue `'when(<reward name>)'`
 * @returns The conditional reward.
 * @throws TypeError if `when` or `reward` is not a function or `otherwise` is neither a number, null nor a reward.
 * @example
 * ```ts
 * const promotedOrFirst = (s: RerankSample) => { … };
 * const r = combineRewards([createRankPromotionReward(), { reward: rewardWhen(promotedOrFirst, createFormatReward()), weight: 0.2 }]);
 * ```
 */
export function rewardWhen<S>(
  when: (sample: S, index: number) => boolean,
  reward: Reward<S>,
  otherwise: number | null | Reward<S> = 0,
  options: { readonly name?: string } = {},
): Reward<S> {
  const fn = 'rewardWhen';
  if (typeof when !== 'function') throw typeError(fn, 'when', 'a function', when);
  if (typeof reward !== 'function') throw typeError(fn, 'reward', 'a reward function', reward);
  if (otherwise !== null && typeof otherwise !== 'number' && typeof otherwise !== 'function') {
    throw typeError(fn, 'otherwise', 'a number, null or a reward', otherwise);
  }
  if (typeof otherwise === 'number' && !Number.isFinite(otherwise)) throw rangeError(fn, 'otherwise', 'finite', otherwise);
  const inner = rewardName(reward);
  const name = options.name ?? `when(${inner})`;
  return defineReward(name, (samples: readonly S[], context?: RewardContext) => {
    const mask = samples.map((s, i) => Boolean(when(s, i)));
    const outs: (readonly RewardValue[] | Promise<readonly RewardValue[]>)[] = [reward(samples, context)];
    if (typeof otherwise === 'function') outs.push(otherwise(samples, context));
    return mapMaybeAsync(outs, (vals) => {
      const yes = checkRewardValues(inner, vals[0], samples.length);
      const no = typeof otherwise === 'function' ? checkRewardValues(rewardName(otherwise), vals[1], samples.length) : null;
      return samples.map((_, i) => (mask[i] ? yes[i]! : no ? no[i]! : (otherwise as number | null)));
    });
  });
}

/**
 * Runs `reward` on `samples` and checks the reward contract: an array with one value per sample, each a finite number
 * or `null`.
 *
 * @param reward - The reward to check.
 * @param samples - Samples to score.
 * @param context - Optional trainer context.
 * @returns The values (awaited).
 * @throws RewardContractError naming the reward, e.g. "reward 'rank_promotion' returned 3 values for 4 samples";
 *   TypeError if `reward` is not a function.
 * @example
 * ```ts
 * await assertRewardContract(createConditionalReward(), samples); // [0.4, 0, -1]
 * ```
 */
export async function assertRewardContract<S>(
  reward: Reward<S>,
  samples: readonly S[],
  context?: RewardContext,
): Promise<readonly RewardValue[]> {
  if (typeof reward !== 'function') throw typeError('assertRewardContract', 'reward', 'a reward function', reward);
  if (!Array.isArray(samples)) throw typeError('assertRewardContract', 'samples', 'an array', samples);
  const values = await reward(samples, context);
  return checkRewardValues(rewardName(reward), values, samples.length);
}
