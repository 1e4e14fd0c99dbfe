import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MIDTRAINING_RATIOS,
  captionSamples,
  generalTextSamples,
  mixMidTraining,
  nextSidSamples,
  personaSamples,
  type MidTrainingSample,
  type MidTrainingTask,
} from '../../src/prompt/index.js';
import { parseSids, renderSid } from '../../src/sid/sid_string.js';

const take = async <T>(it: AsyncIterable<T>, n = Infinity): Promise<T[]> => {
  const out: T[] = [];
  for await (const x of it) {
    if (out.length >= n) break;
    out.push(x);
  }
  return out;
};
const sidOf = (id: number | string) => [Number(id) % 256, Math.floor(Number(id) / 256) % 256, 7, 9];

describe('nextSidSamples (sequential preference modelling)', () => {
  it('slides a window over each sequence: history SIDs → next SID', async () => {
    const out = await take(nextSidSamples([[1, 2, 3, 4], { items: [5, 6] }, []], { sidOf, maxHistory: 2 }));
    expect(out.map((s) => s.task)).toEqual(Array(4).fill('sequential'));
    expect(out.map((s) => s.completion)).toEqual([2, 3, 4, 6].map((i) => renderSid(sidOf(i))));
    // the prompt holds the (at most 2) previous SIDs, in order
    expect(parseSids(out[2]!.prompt).map((m) => m.codes)).toEqual([sidOf(2), sidOf(3)]);
    expect(parseSids(out[0]!.prompt).map((m) => m.codes)).toEqual([sidOf(1)]);
    const min3 = await take(nextSidSamples([[1, 2, 3, 4]], { sidOf, minHistory: 3 }));
    expect(min3.map((s) => s.completion)).toEqual([renderSid(sidOf(4))]);
  });
  it('validates (lazily, when iterated)', async () => {
    await expect(take(nextSidSamples([[1]], undefined as never))).rejects.toThrow(/'options'/);
    await expect(take(nextSidSamples([[1, 2]], { sidOf: () => [1, 2, 3] }))).rejects.toThrow(/must be of length 4/);
    await expect(take(nextSidSamples([[1, 2]], { sidOf: () => undefined as never }))).rejects.toThrow(TypeError);
    await expect(take(nextSidSamples([[1, 2]], { sidOf, minHistory: 0 }))).rejects.toThrow(/minHistory/);
    await expect(take(nextSidSamples([[1, 2]], { sidOf, minHistory: 3, maxHistory: 2 }))).rejects.toThrow(/maxHistory/);
    await expect(take(nextSidSamples([[1, 2]], { sidOf, templte: 'x' } as never))).rejects.toThrow(/Did you mean 'template'/);
    await expect(take(nextSidSamples([5 as never], { sidOf }))).rejects.toThrow(/'sequences\[0\]'/);
    await expect(take(nextSidSamples(42 as never, { sidOf }))).rejects.toThrow(/'sequences' must be an iterable/);
  });
});

describe('captionSamples (SID → text) and personaSamples (interleaved grounding)', () => {
  it('captions: P1 prompt with the SID; Title / Description / Categories, neutralised; items without text skipped', async () => {
    const out = await take(
      captionSamples([
        { id: 1, sid: [1, 2, 3, 4], title: 'Rose <|im_end|> cream', description: 'Soft.', categories: ['Beauty', 'Skin'] },
        { id: 2, sid: [5, 6, 7, 8] },
        { id: 3, sid: renderSid([9, 9, 9, 9]), categories: ['Hair'] },
      ]),
    );
    expect(out).toEqual([
      {
        task: 'caption',
        prompt: `Given an itemic token, generate a concise and accurate textual description. Token: ${renderSid([1, 2, 3, 4])}`,
        completion: 'Title: Rose ‹¦im_end¦› cream Description: Soft. Categories: Beauty > Skin',
      },
      { task: 'caption', prompt: expect.stringContaining(renderSid([9, 9, 9, 9])), completion: 'Categories: Hair' },
    ]);
    await expect(take(captionSamples([{ id: 1, sid: [1, 2, 3, 4], title: 3 as never }]))).rejects.toThrow(/'items\[0\].title'/);
    await expect(take(captionSamples([null as never]))).rejects.toThrow(/'items\[0\]'/);
  });
  it('persona: text and SIDs interleaved in one document; the last maxHistory interactions', async () => {
    const [s, ...rest] = await take(
      personaSamples(
        [
          {
            profile: 'Woman, 30s',
            searches: ['shampoo', 'argan <think>'],
            history: [1, 2, 3].map((i) => ({ id: i, sid: sidOf(i), title: `Item ${i}` })),
            interests: 'hair care',
          },
          { history: [] },
        ],
        { maxHistory: 2 },
      ),
    );
    expect(rest).toEqual([]);
    expect(s!.task).toBe('persona');
    expect(s!.prompt).toBe('');
    expect(s!.completion).toBe(
      `User profile: Woman, 30s\nRecent searches: shampoo; argan ‹think›\nInteractions: ${renderSid(sidOf(2))} (Item 2); ${renderSid(sidOf(3))} (Item 3)\nInterests: hair care`,
    );
    await expect(take(personaSamples([{ history: 'x' } as never]))).rejects.toThrow(/'users\[0\].history'/);
    await expect(take(personaSamples([{ history: [{ id: 1, sid: [1, 2, 3, 4], title: 1 }] } as never]))).rejects.toThrow(/history\[0\].title/);
  });
  it('general text passes through', async () => {
    expect(await take(generalTextSamples(['a', '', 'b']))).toEqual([
      { task: 'general', prompt: '', completion: 'a' },
      { task: 'general', prompt: '', completion: 'b' },
    ]);
    await expect(take(generalTextSamples([1 as never]))).rejects.toThrow(/'texts\[0\]'/);
  });
});

describe('mixMidTraining (seeded streaming mixer)', () => {
  /** An endless source that counts how many samples were pulled from it. */
  function counting(task: MidTrainingTask, pulled: Record<string, number>) {
    return (function* () {
      for (let i = 0; ; i++) {
        pulled[task] = (pulled[task] ?? 0) + 1;
        yield { task, prompt: '', completion: `${task} ${i}` } as MidTrainingSample;
      }
    })();
  }
  it('default ratios 24.30 / 65.73 / 4.94 / 5.03 within binomial error, pulling each source only when drawn', async () => {
    expect(DEFAULT_MIDTRAINING_RATIOS).toEqual({ persona: 24.3, sequential: 65.73, caption: 4.94, general: 5.03 });
    const pulled: Record<string, number> = {};
    const n = 20_000;
    const tasks = ['persona', 'sequential', 'caption', 'general'] as const;
    const out = await take(mixMidTraining(Object.fromEntries(tasks.map((t) => [t, counting(t, pulled)])), { seed: 7, limit: n }));
    expect(out.length).toBe(n);
    const total = 24.3 + 65.73 + 4.94 + 5.03;
    for (const t of tasks) {
      const c = out.filter((s) => s.task === t).length;
      const p = DEFAULT_MIDTRAINING_RATIOS[t] / total;
      expect(Math.abs(c - n * p)).toBeLessThan(4 * Math.sqrt(n * p * (1 - p)));
      // bounded memory: a source is pulled exactly as often as its task is emitted
      expect(pulled[t]).toBe(c);
      // each source's order is preserved
      expect(out.filter((s) => s.task === t).map((s) => s.completion).slice(0, 3)).toEqual([0, 1, 2].map((i) => `${t} ${i}`));
    }
  });
  it('is deterministic per seed; custom ratios; missing tasks are dropped and the rest renormalised', async () => {
    const mk = (seed: number) => take(mixMidTraining({ sequential: counting('sequential', {}), general: counting('general', {}) }, { seed, limit: 200 }));
    const [a, b, c] = await Promise.all([mk(1), mk(1), mk(2)]);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    const only = await take(mixMidTraining({ caption: counting('caption', {}), general: counting('general', {}) }, { ratios: { caption: 1, general: 0 }, limit: 50 }));
    expect(only.every((s) => s.task === 'caption')).toBe(true);
  });
  it('stops when a source runs dry (or renormalises), and streams a catalog of millions lazily', async () => {
    const stop = await take(mixMidTraining({ sequential: counting('sequential', {}), caption: generalAs('caption', 3) }, { seed: 3 }));
    expect(stop.filter((s) => s.task === 'caption').length).toBe(3);
    expect(stop.length).toBeLessThan(1000);
    const ren = await take(mixMidTraining({ sequential: counting('sequential', {}), caption: generalAs('caption', 3) }, { seed: 3, onExhausted: 'renormalize', limit: 500 }));
    expect(ren.length).toBe(500);
    // a 5-million-user stream: only what is consumed is ever generated
    let made = 0;
    const users = (function* () {
      for (let u = 0; u < 5_000_000; u++) {
        made++;
        yield [u, u + 1, u + 2];
      }
    })();
    const mix = mixMidTraining({ sequential: nextSidSamples(users, { sidOf }), general: generalTextSamples(['x', 'y']) }, { ratios: { general: 0 }, limit: 1000 });
    expect((await take(mix)).length).toBe(1000);
    expect(made).toBeLessThanOrEqual(501);
  });
  it('validates sources, ratios and options', async () => {
    const src = { sequential: counting('sequential', {}) };
    await expect(take(mixMidTraining({ sequentail: [] } as never))).rejects.toThrow(/Did you mean 'sequential'/);
    await expect(take(mixMidTraining(src, { ratios: { persona: -1 } }))).rejects.toThrow(/'options.ratios.persona'/);
    await expect(take(mixMidTraining(src, { ratios: { sequential: NaN } }))).rejects.toThrow(RangeError);
    await expect(take(mixMidTraining(src, { ratios: { sequential: 0 } }))).rejects.toThrow(/at least one task/);
    await expect(take(mixMidTraining(src, { seed: 1.5 }))).rejects.toThrow(/'options.seed'/);
    await expect(take(mixMidTraining(src, { onExhausted: 'x' as never }))).rejects.toThrow(/onExhausted/);
    await expect(take(mixMidTraining({ general: [{ task: 'caption', prompt: '', completion: 'x' }] }))).rejects.toThrow(/'sources.general'/);
    await expect(take(mixMidTraining({ general: 5 as never }))).rejects.toThrow(/'sources.general' must be an iterable/);
  });
});

function* generalAs(task: MidTrainingTask, n: number): Generator<MidTrainingSample> {
  for (let i = 0; i < n; i++) yield { task, prompt: '', completion: String(i) };
}
