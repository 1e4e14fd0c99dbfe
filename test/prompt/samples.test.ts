import { describe, expect, it } from 'vitest';
import { base256Sid, buildRerankPrompt, parseRerankOutput, renderRerankCompletion, samplesFromSlates } from '../../src/prompt/index.js';
import * as rewards from '../../src/rewards/index.js';
import { createRankPromotionReward, createConditionalReward } from '../../src/rewards/index.js';
import { renderSid } from '../../src/sid/sid_string.js';
import type { Slate } from '../../src/data/types.js';

const slate: Slate = { user: 1, history: [3, 4], candidates: [5, 9, 258], relevance: [0, 1, 0], target: 9, targetRank: 2, targetRetrieved: true };

describe('samplesFromSlates (moved to gr2/prompt): samples carry their real prompt', () => {
  it('builds the GR2 prompt from the slate (history + candidates, SIDs, metadata from itemOf)', () => {
    const [s] = samplesFromSlates([slate], { itemOf: (id) => ({ title: `Item ${id}`, categories: ['Beauty'] }) });
    const p = buildRerankPrompt({
      history: [3, 4].map((id) => ({ id, sid: base256Sid(id), title: `Item ${id}`, categories: ['Beauty'] })),
      candidates: [5, 9, 258].map((id) => ({ id, sid: base256Sid(id), title: `Item ${id}`, categories: ['Beauty'] })),
    });
    expect(s!.messages).toEqual(p.messages);
    expect(s!.prompt).toBe(p.messages.map((m) => m.content).join('\n\n'));
    expect(s!.candidates).toEqual(p.sids);
    expect(s!.order).toEqual([0, 1, 2]);
    expect(s!.target).toBe(renderSid([0, 0, 0, 9]));
    expect(s!.relevance).toEqual({ [renderSid([0, 0, 0, 9])]: 1 });
  });
  it('with a shuffling prompt, candidates follow the prompt order and rewards still read the target by SID', async () => {
    const [s] = samplesFromSlates([slate], {
      promptOptions: { shuffle: { seed: 11 } },
      completion: (_sl, c) => renderRerankCompletion([renderSid([0, 0, 0, 9]), ...c.filter((x) => x !== renderSid([0, 0, 0, 9]))], { explanation: 'x' }),
    });
    expect(s!.order).not.toEqual([0, 1, 2]);
    expect(s!.candidates).toEqual(s!.order.map((i) => renderSid(base256Sid(slate.candidates[i]!))));
    expect(s!.messages[1]!.content.indexOf(s!.candidates[0]!)).toBeLessThan(s!.messages[1]!.content.indexOf(s!.candidates[1]!));
    const r = parseRerankOutput(s!.completion, s!.candidates);
    expect(r.valid).toBe(true);
    expect(r.order![0]).toBe(s!.candidates.indexOf(s!.target!));
    // rewards read positions in the order the model saw: the target, shown below rank 1 and put first, is promoted
    expect(s!.candidates.indexOf(s!.target!)).toBeGreaterThan(0);
    expect(createRankPromotionReward()([s!])[0]).toBeGreaterThan(0);
    expect((await createConditionalReward()([s!]))[0]).toBeGreaterThan(0);
  });
  it('a custom prompt replaces it; non-SID ids need one; bad options are rejected', () => {
    const [s] = samplesFromSlates([slate], { sidOf: (id) => `item-${id}`, prompt: 'P' });
    expect(s!.messages).toEqual([{ role: 'user', content: 'P' }]);
    expect(() => samplesFromSlates([slate], { sidOf: (id) => `item-${id}` })).toThrow(/well-formed SID/);
    expect(() => samplesFromSlates([slate], { promptOptions: { reasonning: false } as never })).toThrow(/Did you mean 'reasoning'/);
    expect(() => samplesFromSlates([slate], { itemOf: 3 as never })).toThrow(/'options.itemOf'/);
    expect(() => samplesFromSlates([slate], { sidOff: 1 } as never)).toThrow(/Did you mean 'sidOf'/);
    expect(() => samplesFromSlates([{ ...slate, history: null } as never])).toThrow(/'slates\[0\]'/);
    expect(() => samplesFromSlates([slate], { prompt: () => 5 as never })).toThrow(/'options.prompt'/);
  });
  it('renderRerankCompletion validates its input; gr2/rewards re-exports the sample builders but not the prompt builders', () => {
    expect(() => renderRerankCompletion([1 as never])).toThrow(/'ranking\[0\]'/);
    expect(() => renderRerankCompletion(['a'], { explantion: 'x' } as never)).toThrow(/Did you mean 'explanation'/);
    expect(rewards.samplesFromSlates).toBe(samplesFromSlates);
    expect(rewards.renderRerankCompletion).toBe(renderRerankCompletion);
    expect('buildRerankPrompt' in rewards).toBe(false);
    expect(typeof rewards.parseRerankOutput).toBe('function');
  });
});
