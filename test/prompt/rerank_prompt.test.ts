import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  ANALYST_PERSONA,
  DEFAULT_RERANK_TEMPLATES,
  RERANK_ANSWER_KEYS,
  buildRerankPrompt,
  buildTeacherPrompt,
  neutralizeMetadata,
  parseRerankOutput,
  renderPromptItem,
  renderRerankCompletion,
  toPreRankOrder,
  type RerankItem,
} from '../../src/prompt/index.js';
import { createSidSpec, parseSids, renderSid } from '../../src/sid/sid_string.js';

const item = (id: number, codes: number[], extra: Partial<RerankItem> = {}): RerankItem => ({ id, sid: codes, ...extra });
const C: RerankItem[] = [
  item(10, [1, 2, 3, 4], { title: 'Rose hand cream', categories: ['Beauty', 'Skin Care', 'Hands'] }),
  item(11, [5, 6, 7, 8], { title: 'Argan shampoo', categories: ['Beauty', 'Hair Care'] }),
  item(12, [9, 9, 9, 9]),
  item(13, [0, 255, 0, 255], { title: 'Nail polish', attributes: { colour: 'red', ml: 15, vegan: true } }),
];
const H: RerankItem[] = [item(1, [3, 3, 3, 3], { title: 'Old conditioner' }), item(2, [4, 4, 4, 4], { title: 'Recent toner' })];

/** Text of the candidate section of a prompt: from the candidates heading to the next blank line. */
function candidateSection(text: string, k: number): string {
  const head = DEFAULT_RERANK_TEMPLATES.candidatesHeading.replace('{k}', String(k));
  const a = text.indexOf(head);
  expect(a).toBeGreaterThanOrEqual(0);
  const b = text.indexOf('\n\n', a);
  return text.slice(a + head.length, b < 0 ? undefined : b);
}
const count = (hay: string, needle: string): number => hay.split(needle).length - 1;

describe('buildRerankPrompt: layout', () => {
  it('system = persona, task, priming, guidelines, scaffold, schema; user = history, candidates, instruction', () => {
    const p = buildRerankPrompt({ history: H, candidates: C });
    expect(p.messages.map((m) => m.role)).toEqual(['system', 'user']);
    const [sys, user] = p.messages.map((m) => m.content) as [string, string];
    const at = (s: string, x: string) => s.indexOf(x);
    const parts = [DEFAULT_RERANK_TEMPLATES.persona, 'Task: re-rank all 4 candidate items', 'Domain knowledge', 'Rules:', 'Reason in three steps', 'Output format'];
    const pos = parts.map((x) => at(sys, x));
    expect(pos.every((x) => x >= 0)).toBe(true);
    expect([...pos].sort((a, b) => a - b)).toEqual(pos);
    // the schema is written from the parser's key constants
    expect(sys).toContain(`{"${RERANK_ANSWER_KEYS.reasoning}": "`);
    expect(sys).toContain(`"${RERANK_ANSWER_KEYS.ranking}": ["SID"`);
    expect(at(user, 'User history (2 items, oldest first):')).toBe(0);
    expect(at(user, 'Old conditioner')).toBeLessThan(at(user, 'Recent toner'));
    expect(at(user, 'Recent toner')).toBeLessThan(at(user, 'Candidates (4 items'));
    expect(user.endsWith(DEFAULT_RERANK_TEMPLATES.instruction)).toBe(true);
    expect(p.order).toEqual([0, 1, 2, 3]);
    expect(p.sids).toEqual(C.map((c) => renderSid(c.sid as number[])));
    expect(p.candidates.map((c) => c.id)).toEqual([10, 11, 12, 13]);
    expect(p.droppedHistory).toBe(0);
    // same rendering for history and candidates (TR principle 3)
    expect(user).toContain(`- ${renderPromptItem(H[0]!)}`);
    expect(user).toContain(`- ${renderPromptItem(C[0]!)}`);
    expect(renderPromptItem(C[0]!)).toBe(`${renderSid([1, 2, 3, 4])} | title: "Rose hand cream" | categories: Beauty > Skin Care > Hands`);
    expect(renderPromptItem(C[3]!)).toBe(`${renderSid([0, 255, 0, 255])} | title: "Nail polish" | attributes: colour: red; ml: 15; vegan: true`);
  });

  it('reasoning-free variant (TR §9.4): no scaffold, ranking-only schema', () => {
    const p = buildRerankPrompt({ history: H, candidates: C }, { reasoning: false });
    const [sys, user] = p.messages.map((m) => m.content) as [string, string];
    expect(sys).not.toContain('three steps');
    expect(sys).not.toContain(`"${RERANK_ANSWER_KEYS.reasoning}"`);
    expect(sys).toContain(`{"${RERANK_ANSWER_KEYS.ranking}": ["SID"`);
    expect(user.endsWith(DEFAULT_RERANK_TEMPLATES.instructionNoReasoning)).toBe(true);
    expect(p.parseOptions.requireReasoning).toBe(false);
    const ok = parseRerankOutput(renderRerankCompletion([...p.sids].reverse(), { explanation: null }), p.sids, p.parseOptions);
    expect(ok.valid).toBe(true);
    expect(ok.order).toEqual([3, 2, 1, 0]);
  });

  it('knowledge priming on / off / custom; templates and the analyst persona override the texts', () => {
    const off = buildRerankPrompt({ history: H, candidates: C }, { knowledgePriming: false }).messages[0]!.content;
    expect(off).not.toContain('Domain knowledge');
    const custom = buildRerankPrompt({ history: H, candidates: C }, { knowledgePriming: 'Buyers of {k} things…' }).messages[0]!.content;
    expect(custom).toContain('Buyers of 4 things…');
    const t = buildRerankPrompt(
      { history: [], candidates: C },
      { templates: { persona: ANALYST_PERSONA, scaffold: 'Think about {n} history items.', historyHeading: 'History:' } },
    );
    expect(t.messages[0]!.content.startsWith('You are a recommendation analyst')).toBe(true);
    expect(t.messages[0]!.content).toContain('Think about 0 history items.');
    expect(t.messages[1]!.content.startsWith('History:\n(none)')).toBe(true);
  });

  it('TR §9.5 KV-cache order: system → candidates → user history; the system message is shared across users', () => {
    const a = buildRerankPrompt({ history: H, candidates: C }, { kvCacheOrder: true });
    const b = buildRerankPrompt({ history: [H[1]!], candidates: C }, { kvCacheOrder: true });
    expect(a.messages[0]!.content).toBe(b.messages[0]!.content);
    expect(a.messages[0]!.content).toContain('Candidates (4 items');
    expect(a.messages[1]!.content).not.toContain('Candidates (');
    expect(a.messages[1]!.content.startsWith('User history')).toBe(true);
    for (const s of a.sids) expect(count(a.messages[0]!.content, s)).toBe(1);
  });

  it('custom key names reach both the schema and the parser options', () => {
    const p = buildRerankPrompt({ history: H, candidates: C }, { reasoningKey: 'why', rankingKey: 'ranked' });
    expect(p.messages[0]!.content).toContain('{"why": "');
    const text = renderRerankCompletion(p.sids, { reasoningKey: 'why', rankingKey: 'ranked', explanation: 'ok' });
    expect(parseRerankOutput(text, p.sids, p.parseOptions).valid).toBe(true);
    expect(parseRerankOutput(renderRerankCompletion(p.sids), p.sids, p.parseOptions).valid).toBe(false);
  });

  it('works with a custom SID spec (string SIDs are re-rendered canonically)', () => {
    const spec = createSidSpec({ levels: 3, codebookSizes: 64, tokenTemplate: '[{level}{code}]', begin: '{{', end: '}}' });
    const cands = [item(1, [1, 2, 3]), { id: 2, sid: ' {{ [a4] [b5] [c6] }} ' }];
    const p = buildRerankPrompt({ history: [], candidates: cands }, { spec });
    expect(p.sids).toEqual(['{{[a1][b2][c3]}}', '{{[a4][b5][c6]}}']);
    expect(parseRerankOutput(renderRerankCompletion([p.sids[1]!, p.sids[0]!]), p.sids, p.parseOptions).order).toEqual([1, 0]);
    // metadata cannot spell this spec's tokens either
    expect(neutralizeMetadata('x {{[a4][b5][c6]}} [a1', { spec })).toBe('x (((a4)(b5)(c6))) (a1');
  });
});

describe('buildRerankPrompt: properties over thousands of slates', () => {
  const codes = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255));
  const meta = fc.record(
    { title: fc.string({ maxLength: 40 }), categories: fc.array(fc.string({ maxLength: 12 }), { maxLength: 3 }) },
    { requiredKeys: [] },
  );
  const slate = fc
    .record({
      cands: fc.uniqueArray(codes, { minLength: 1, maxLength: 20, selector: (c) => c.join(',') }),
      hist: fc.array(codes, { maxLength: 8 }),
      metas: fc.array(meta, { minLength: 28, maxLength: 28 }),
      shuffle: fc.option(fc.nat(2 ** 31), { nil: undefined }),
      reasoning: fc.boolean(),
      kv: fc.boolean(),
      perm: fc.array(fc.nat(), { minLength: 20, maxLength: 20 }),
    })
    .map((r) => ({
      ...r,
      candidates: r.cands.map((c, i) => ({ id: 100 + i, sid: c, ...r.metas[i] })) as RerankItem[],
      history: r.hist.map((c, i) => ({ id: i, sid: c, ...r.metas[20 + i] })) as RerankItem[],
    }));

  it('each candidate SID appears exactly once in the candidate section; any permutation round-trips (strict); the index map recovers pre-rank order', () => {
    fc.assert(
      fc.property(slate, (s) => {
        const K = s.candidates.length;
        const p = buildRerankPrompt(
          { history: s.history, candidates: s.candidates },
          { reasoning: s.reasoning, kvCacheOrder: s.kv, shuffle: s.shuffle === undefined ? false : { seed: s.shuffle } },
        );
        const text = p.messages.map((m) => m.content).join('\n\n');
        const section = candidateSection(text, K);
        for (const sid of p.sids) expect(count(section, sid)).toBe(1);
        expect(parseSids(section).length).toBe(K);
        // order is a permutation and maps prompt candidates to input candidates
        expect([...p.order].sort((a, b) => a - b)).toEqual(s.candidates.map((_, i) => i));
        p.candidates.forEach((c, i) => expect(c).toBe(s.candidates[p.order[i]!]));
        p.sids.forEach((sid, i) => expect(sid).toBe(renderSid(s.candidates[p.order[i]!]!.sid as number[])));
        if (s.shuffle === undefined) expect(p.order).toEqual(s.candidates.map((_, i) => i));
        // a completion from a random permutation of prompt positions parses back to it
        const pi = s.candidates.map((_, i) => i).sort((a, b) => (s.perm[a]! - s.perm[b]!) || a - b);
        const completion = renderRerankCompletion(
          pi.map((i) => p.sids[i]!),
          { explanation: s.reasoning ? `Because of ${p.sids[pi[0]!]} and "quotes"` : null },
        );
        const r = parseRerankOutput(completion, p.sids, { ...p.parseOptions, mode: 'strict' });
        expect(r.valid).toBe(true);
        expect(r.order).toEqual(pi);
        // ... and the index map gives the pre-rank candidates in the same ranked order
        const pre = toPreRankOrder(r.order!, p.order);
        expect(pre.map((i) => s.candidates[i]!.id)).toEqual(pi.map((i) => p.candidates[i]!.id));
      }),
      { numRuns: 2000, seed: 11 },
    );
  });

  it('the same seed gives the same shuffle; different seeds usually differ', () => {
    const cands = Array.from({ length: 10 }, (_, i) => item(i, [i, i, i, i]));
    const a = buildRerankPrompt({ history: [], candidates: cands }, { shuffle: { seed: 3 } });
    const b = buildRerankPrompt({ history: [], candidates: cands }, { shuffle: { seed: 3 } });
    const c = buildRerankPrompt({ history: [], candidates: cands }, { shuffle: { seed: 4 } });
    expect(a.order).toEqual(b.order);
    expect(a.messages).toEqual(b.messages);
    expect(a.order).not.toEqual(c.order);
    expect(a.order).not.toEqual(cands.map((_, i) => i));
  });
});

describe('history token budget', () => {
  const hist = Array.from({ length: 30 }, (_, i) => item(i, [i, 1, 2, 3], { title: `item number ${i}` }));
  const words = (t: string) => t.split(/\s+/).filter(Boolean).length;
  it('drops the oldest items first until the history section fits, and reports how many', () => {
    const full = buildRerankPrompt({ history: hist, candidates: C });
    const section = (p: typeof full) => p.messages[1]!.content.slice(0, p.messages[1]!.content.indexOf('\n\nCandidates'));
    const fullTokens = words(section(full));
    const p = buildRerankPrompt({ history: hist, candidates: C }, { historyTokenBudget: { tokens: 60, countTokens: words } });
    expect(p.droppedHistory).toBeGreaterThan(0);
    expect(words(section(p))).toBeLessThanOrEqual(60);
    const kept = 30 - p.droppedHistory;
    expect(section(p)).toContain(`item number 29"`);
    expect(section(p)).not.toContain(`item number ${p.droppedHistory - 1}"`);
    expect(section(p)).toContain(`item number ${p.droppedHistory}"`);
    // one more item would not fit (maximality)
    const more = buildRerankPrompt({ history: hist.slice(30 - kept - 1), candidates: C });
    expect(words(section(more))).toBeGreaterThan(60);
    // a budget larger than the whole history drops nothing
    expect(buildRerankPrompt({ history: hist, candidates: C }, { historyTokenBudget: { tokens: fullTokens, countTokens: words } }).droppedHistory).toBe(0);
    // a budget below the heading keeps no item
    expect(buildRerankPrompt({ history: hist, candidates: C }, { historyTokenBudget: { tokens: 0, countTokens: words } }).droppedHistory).toBe(30);
  });
  it('rejects a counter that returns garbage', () => {
    expect(() => buildRerankPrompt({ history: hist, candidates: C }, { historyTokenBudget: { tokens: 5, countTokens: () => NaN } })).toThrow(
      /countTokens/,
    );
  });
});

describe('teacher prompts (TR Eq. 1–2)', () => {
  it('targeted shows the target and asks for the explanation; rejection equals the plain prompt', () => {
    const t = buildTeacherPrompt({ history: H, candidates: C, target: 12 }, { strategy: 'targeted' });
    const user = t.messages[1]!.content;
    expect(user).toContain(`Ground truth: the item this user actually bought next is ${renderSid([9, 9, 9, 9])}`);
    expect(user.indexOf('Ground truth')).toBeGreaterThan(user.indexOf('Candidates ('));
    expect(t.parseOptions.requireReasoning).toBe(true);
    const r = buildTeacherPrompt({ history: H, candidates: C, target: 12 }, { strategy: 'rejection', shuffle: { seed: 5 } });
    expect(r.messages).toEqual(buildRerankPrompt({ history: H, candidates: C }, { shuffle: { seed: 5 } }).messages);
    expect(r.messages[1]!.content).not.toContain('Ground truth');
    const custom = buildTeacherPrompt({ history: H, candidates: C, target: 10 }, { strategy: 'targeted', targetedNote: 'Target => {target}' });
    expect(custom.messages[1]!.content).toContain(`Target => ${renderPromptItem(C[0]!)}`);
  });
  it('validates strategy, target and reasoning', () => {
    expect(() => buildTeacherPrompt({ history: H, candidates: C }, { strategy: 'targeted' })).toThrow(/'input.target'/);
    expect(() => buildTeacherPrompt({ history: H, candidates: C, target: 99 }, { strategy: 'rejection' })).toThrow(/one of the candidates/);
    expect(() => buildTeacherPrompt({ history: H, candidates: C, target: 10 }, { strategy: 'x' as 'targeted' })).toThrow(/'options.strategy'/);
    expect(() => buildTeacherPrompt({ history: H, candidates: C, target: 10 }, { strategy: 'targeted', reasoning: false })).toThrow(RangeError);
    expect(() => buildTeacherPrompt({ history: H, candidates: C }, undefined as never)).toThrow(TypeError);
  });
});

describe('input and options validation', () => {
  const fn = (input: unknown, options?: unknown) => () => buildRerankPrompt(input as never, options as never);
  it('rejects malformed input with errors naming the argument', () => {
    expect(fn(null)).toThrow(/buildRerankPrompt: 'input' must be/);
    expect(fn([[1]])).toThrow(TypeError);
    expect(fn({ history: [], candidates: [] })).toThrow(/'input.candidates' must be a non-empty array/);
    expect(fn({ history: null, candidates: C })).toThrow(/'input.history'/);
    expect(fn({ history: [], candidates: [[1, 2, 3, 4]] })).toThrow(/'input.candidates\[0\]' must be a RerankItem/);
    expect(fn({ history: [], candidates: [{ id: 1, sid: [1, 2, 3] }] })).toThrow(/'input.candidates\[0\].sid' must be of length 4/);
    expect(fn({ history: [], candidates: [{ id: 1, sid: [1, 2, 3, 256] }] })).toThrow(/sid\[3\]/);
    expect(fn({ history: [], candidates: [{ id: 1, sid: [1, 2, 3, NaN] }] })).toThrow(RangeError);
    expect(fn({ history: [], candidates: [{ id: 1, sid: 'not a sid <|im_start|>' }] })).toThrow(/well-formed SID/);
    expect(fn({ history: [], candidates: [{ id: NaN, sid: [1, 2, 3, 4] }] })).toThrow(/\.id'/);
    expect(fn({ history: [], candidates: [C[0], { ...C[1], sid: C[0]!.sid }] })).toThrow(/'input.candidates\[1\].sid' must be distinct/);
    expect(fn({ history: [{ id: 1, sid: [1, 1, 1, 1], title: 5 }], candidates: C })).toThrow(/'input.history\[0\].title' must be a string/);
    expect(fn({ history: [], candidates: [{ ...C[0], categories: 'Beauty' }] })).toThrow(/categories' must be an array/);
    expect(fn({ history: [], candidates: [{ ...C[0], categories: [['x']] }] })).toThrow(/categories\[0\]' must be a string/);
    expect(fn({ history: [], candidates: [{ ...C[0], attributes: { a: { b: 1 } } }] })).toThrow(/attributes.a'/);
    expect(fn({ history: [], candidates: [{ ...C[0], attributes: { a: NaN } }] })).toThrow(/attributes.a'/);
  });
  it('rejects bad options through checkOptions (unknown keys with a hint)', () => {
    const input = { history: H, candidates: C };
    expect(fn(input, { reasonning: false })).toThrow(/Did you mean 'reasoning'\?/);
    expect(fn(input, [])).toThrow(TypeError);
    expect(fn(input, { reasoning: 'yes' })).toThrow(/'options.reasoning' must be a boolean/);
    expect(fn(input, { shuffle: { seed: -1 } })).toThrow(/'options.shuffle.seed'/);
    expect(fn(input, { shuffle: { sed: 1 } })).toThrow(/Did you mean 'seed'/);
    expect(fn(input, { shuffle: true })).toThrow(/'options.shuffle'/);
    expect(fn(input, { templates: { personna: 'x' } })).toThrow(/Did you mean 'persona'/);
    expect(fn(input, { templates: { persona: 3 } })).toThrow(/'options.templates.persona' must be a string/);
    expect(fn(input, { knowledgePriming: 1 })).toThrow(/knowledgePriming/);
    expect(fn(input, { historyTokenBudget: { tokens: 2 ** 40, countTokens: () => 1 } })).toThrow(RangeError);
    expect(fn(input, { historyTokenBudget: { tokens: 5 } })).toThrow(/countTokens/);
    expect(fn(input, { rankingKey: 'a"b' })).toThrow(/'options.rankingKey'/);
    expect(fn(input, { rankingKey: 'explanation' })).toThrow(/different from reasoningKey/);
    expect(fn(input, { maxFieldChars: 0 })).toThrow(/maxFieldChars/);
    expect(fn(input, { spec: { levels: 'x' } })).toThrow(TypeError);
  });
  it('toPreRankOrder validates its arguments', () => {
    expect(toPreRankOrder([1, 0], [5, 7].map((_, i) => 1 - i))).toEqual([0, 1]);
    expect(() => toPreRankOrder([0], [0, 1])).toThrow(/'promptOrder' must be of length 2/);
    expect(() => toPreRankOrder([0, 2], [0, 1])).toThrow(/promptOrder\[1\]/);
    expect(() => toPreRankOrder(null as never, [0])).toThrow(TypeError);
  });
});
