/**
 * DAPO's dynamic sampling: drop zero-variance groups and keep generating until the train batch is full.
 *
 * @packageDocumentation
 */
import { Gr2Error, assertFiniteNumber, assertOneOf, assertPositiveInteger, checkOptions, typeError } from '../errors.js';
import { isZeroVarianceGroup } from './advantages.js';

/** Anything carrying the rewards of one group of rollouts (one prompt, G samples). */
export interface RolloutGroup {
  readonly rewards: readonly (number | null)[];
}

/** Result of {@link filterZeroVarianceGroups}. */
export interface DynamicSamplingFilterResult<G> {
  /** Groups with reward variance (a learning signal), in input order. */
  readonly kept: G[];
  /** Zero-variance groups, in input order. */
  readonly dropped: G[];
}

/**
 * Drops the groups whose rewards are all (numerically) equal — every advantage of such a group is 0, so it only
 * dilutes the batch (DAPO §3.2: "all correct or all wrong"; for continuous rewards, "std ≈ 0").
 *
 * @param groups - groups with a `rewards` array each.
 * @param options - `tolerance` on the population std (@defaultValue `1e-9`).
 * @returns `{kept, dropped}`.
 * @throws TypeError when `groups` is not an array or a group has no `rewards` array.
 * @example
 * ```ts
 * filterZeroVarianceGroups([{ rewards: [1, 1] }, { rewards: [0, 1] }]).kept; // [{ rewards: [0, 1] }]
 * ```
 */
export function filterZeroVarianceGroups<G extends RolloutGroup>(
  groups: readonly G[],
  options: { readonly tolerance?: number } = {},
): DynamicSamplingFilterResult<G> {
  const fn = 'filterZeroVarianceGroups';
  if (!Array.isArray(groups)) throw typeError(fn, 'groups', 'an array of {rewards}', groups);
  checkOptions(fn, options, ['tolerance']);
  const tol = options.tolerance ?? 1e-9;
  assertFiniteNumber(fn, 'tolerance', tol, { min: 0 });
  const kept: G[] = [];
  const dropped: G[] = [];
  groups.forEach((g, i) => {
    if (typeof g !== 'object' || g === null || !Array.isArray(g.rewards)) throw typeError(fn, `groups[${i}].rewards`, 'an array', g);
    (isZeroVarianceGroup(g.rewards, tol) ? dropped : kept).push(g);
  });
  return { kept, dropped };
}

/**
 * Thrown by {@link BatchFiller.fill} when the round budget is spent before the batch is full (`onExhausted: 'error'`);
 * `stats` holds what the fill gathered.
 *
 * @example
 * ```ts
 * const err = await new BatchFiller(() => [{ rewards: [1, 1] }], 4, { maxRounds: 2 }).fill().catch((e: unknown) => e);
 * err instanceof BatchFillError && err.stats;
 * // { rounds: 2, generated: 2, kept: 0, dropped: 2, surplus: 0, partial: true }
 * ```
 */
export class BatchFillError extends Gr2Error {
  override readonly name = 'BatchFillError';
  constructor(
    message: string,
    /** The statistics at the point of failure. */
    readonly stats: BatchFillStats,
  ) {
    super(message);
  }
}

/** Statistics of one {@link BatchFiller.fill}. */
export interface BatchFillStats {
  /** Generation rounds used. */
  readonly rounds: number;
  /** Groups generated in total. */
  readonly generated: number;
  /** Groups kept (with variance), including any surplus beyond the batch. */
  readonly kept: number;
  /** Zero-variance groups dropped. */
  readonly dropped: number;
  /** Kept groups beyond `batchGroups` that were discarded (verl truncates the last round). */
  readonly surplus: number;
  /** Whether the returned batch is smaller than `batchGroups`. */
  readonly partial: boolean;
}

/** Result of {@link BatchFiller.fill}. */
export interface BatchFillResult<G> {
  /** The train batch: at most `batchGroups` groups with reward variance. */
  readonly groups: G[];
  /** What it took. */
  readonly stats: BatchFillStats;
}

/** Generates groups for round `round` (0-based); `needed` is how many kept groups are still missing. */
export type GroupGenerator<G> = (round: number, needed: number) => readonly G[] | Promise<readonly G[]>;

/** Options of {@link BatchFiller}. */
export interface BatchFillerOptions {
  /** Maximum generation rounds per fill (verl `max_num_gen_batches`; 10 in DAPO's script). @defaultValue `10` */
  readonly maxRounds?: number;
  /**
   * What to do when `maxRounds` rounds did not fill the batch: `'error'` throws {@link BatchFillError};
   * `'partial'` returns the groups gathered so far (with `stats.partial = true`).
   * @defaultValue `'error'`
   */
  readonly onExhausted?: 'error' | 'partial';
  /** Zero-variance tolerance (see {@link filterZeroVarianceGroups}). @defaultValue `1e-9` */
  readonly tolerance?: number;
}

/**
 * Fills a train batch of `batchGroups` groups with reward variance by calling a generator round after round,
 * dropping zero-variance groups (DAPO's dynamic sampling; verl's `gen_batch` loop).
 *
 * @example
 * ```ts
 * const filler = new BatchFiller(async (round) => rolloutGroups(prompts(round)), 32, { maxRounds: 10 });
 * const { groups, stats } = await filler.fill();
 * // stats = { rounds: 2, generated: 96, kept: 40, dropped: 56, surplus: 8, partial: false }
 * ```
 */
export class BatchFiller<G extends RolloutGroup> {
  private readonly maxRounds: number;
  private readonly onExhausted: 'error' | 'partial';
  private readonly tolerance: number;
  private readonly totals = { fills: 0, rounds: 0, generated: 0, kept: 0, dropped: 0 };

  /**
   * @param generate - produces the next round of groups.
   * @param batchGroups - groups per train batch (≥ 1).
   * @param options - see {@link BatchFillerOptions}.
   * @throws TypeError when `generate` is not a function; RangeError on bad sizes or options.
   */
  constructor(
    private readonly generate: GroupGenerator<G>,
    readonly batchGroups: number,
    options: BatchFillerOptions = {},
  ) {
    const fn = 'BatchFiller';
    if (typeof generate !== 'function') throw typeError(fn, 'generate', 'a function', generate);
    assertPositiveInteger(fn, 'batchGroups', batchGroups);
    this.maxRounds = options.maxRounds ?? 10;
    assertPositiveInteger(fn, 'maxRounds', this.maxRounds);
    this.onExhausted = options.onExhausted ?? 'error';
    assertOneOf(fn, 'onExhausted', this.onExhausted, ['error', 'partial'] as const);
    this.tolerance = options.tolerance ?? 1e-9;
    assertFiniteNumber(fn, 'tolerance', this.tolerance, { min: 0 });
  }

  /**
   * Runs rounds until `batchGroups` groups with variance are gathered or `maxRounds` is reached.
   *
   * @returns the batch and the statistics of this fill.
   * @throws {@link BatchFillError} when exhausted with `onExhausted: 'error'`; TypeError when the generator
   * returns something other than an array of groups.
   */
  async fill(): Promise<BatchFillResult<G>> {
    const batch: G[] = [];
    let rounds = 0;
    let generated = 0;
    let kept = 0;
    let dropped = 0;
    while (batch.length < this.batchGroups && rounds < this.maxRounds) {
      const got = await this.generate(rounds, this.batchGroups - batch.length);
      rounds++;
      if (!Array.isArray(got)) throw typeError('BatchFiller.fill', 'generate()', 'to return an array of groups', got);
      const r = filterZeroVarianceGroups(got, { tolerance: this.tolerance });
      generated += got.length;
      kept += r.kept.length;
      dropped += r.dropped.length;
      for (const g of r.kept) batch.push(g);
    }
    const surplus = Math.max(0, batch.length - this.batchGroups);
    const groups = batch.slice(0, this.batchGroups);
    const stats: BatchFillStats = { rounds, generated, kept, dropped, surplus, partial: groups.length < this.batchGroups };
    this.totals.fills++;
    this.totals.rounds += rounds;
    this.totals.generated += generated;
    this.totals.kept += kept;
    this.totals.dropped += dropped;
    if (stats.partial && this.onExhausted === 'error') {
      throw new BatchFillError(
        `BatchFiller.fill: only ${groups.length} of ${this.batchGroups} groups with reward variance after ${rounds} rounds ` +
          `(${dropped} of ${generated} generated groups were zero-variance). Raise maxRounds, generate more groups per ` +
          "round, or pass {onExhausted: 'partial'}.",
        stats,
      );
    }
    return { groups, stats };
  }

  /** Totals over every `fill()` so far: `{fills, rounds, generated, kept, dropped}`. */
  get totalStats(): Readonly<{ fills: number; rounds: number; generated: number; kept: number; dropped: number }> {
    return { ...this.totals };
  }
}
