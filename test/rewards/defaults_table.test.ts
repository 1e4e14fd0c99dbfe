import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderSid } from '../../src/sid/sid_string.js';
import { conditionalScore, createConditionalReward, createFormatReward, renderRerankCompletion, type RerankSample } from '../../src/rewards/index.js';
import { drGrpoLoss, opdLoss } from '../../src/rl/policy_loss.js';
import { sftLoss } from '../../src/rl/sft_loss.js';

// The guides say, for every default that matters, the paper's value, ours and why (issue: "say which defaults are
// the paper's and which are ours"). These tests read the tables and check that the defaults they state are the
// defaults the code has.

interface Row {
  readonly option: string;
  readonly paper: string;
  readonly ours: string;
  readonly why: string;
}

function defaultsTable(guide: string): Row[] {
  const text = readFileSync(new URL(`../../docs/guides/${guide}`, import.meta.url), 'utf8');
  const lines = text.split('\n');
  const head = lines.findIndex((l) => /^\| option \| paper's value \| our default \| why \|$/.test(l.trim()));
  expect(head, `${guide} has a "option | paper's value | our default | why" table`).toBeGreaterThanOrEqual(0);
  const rows: Row[] = [];
  for (let i = head + 2; i < lines.length && lines[i]!.startsWith('|'); i++) {
    const cells = lines[i]!.split('|').slice(1, -1).map((c) => c.trim());
    expect(cells, lines[i]).toHaveLength(4);
    expect(cells.every((c) => c.length > 0), lines[i]).toBe(true);
    rows.push({ option: cells[0]!, paper: cells[1]!, ours: cells[2]!, why: cells[3]! });
  }
  return rows;
}

const find = (rows: readonly Row[], option: RegExp): Row => {
  const r = rows.find((x) => option.test(x.option));
  expect(r, `a row for ${option}`).toBeDefined();
  return r!;
};

describe('defaults tables in the guides: paper vs ours', () => {
  const C = Array.from({ length: 4 }, (_, i) => renderSid([i, i, i, i]));
  const base = { prompt: '', candidates: C, relevance: { [C[2]!]: 1 } };

  it('rewards.md: Ω, the rank-1 reading, α, invalid rewards, identity zeroing, overlong lengths', () => {
    const rows = defaultsTable('rewards.md');
    expect(find(rows, /^Ω/).ours).toMatch(/the same/);
    expect(find(rows, /reasoning-free/).ours).toMatch(/off/);
    expect(find(rows, /numeric indices/).ours).toMatch(/refused/);
    expect(find(rows, /`variant`/).ours).toMatch(/'strict'/);
    expect(find(rows, /^α$/).ours).toBe('0.2');
    expect(find(rows, /`invalidReward` \(P1\)/).ours).toBe('−1');
    expect(find(rows, /identity zeroing/).ours).toMatch(/AUC and NDCG/);
    expect(find(rows, /overlong/).ours).toMatch(/1024 \/ 256 tokens/);
    // …and the code agrees
    const noReasoning: RerankSample = { ...base, completion: JSON.stringify({ recommendations: [C[2], C[0], C[1], C[3]] }) };
    expect(createFormatReward()([noReasoning])).toEqual([0]); // Ω requires the reasoning by default
    expect(createFormatReward()([{ ...base, completion: '[3] > [1] > [2] > [4]' }])).toEqual([0]); // no indices
    expect(conditionalScore(1, 3, 10)).toBeCloseTo(-0.2, 12); // strict: a demoted rank-1 target gets no α
    expect(conditionalScore(3, 1, 10)).toBeCloseTo(0.2 + 0.2, 12); // α = 0.2
    expect(createConditionalReward()([{ ...base, completion: 'prose' }])).toEqual([-1]);
  });

  it('rl.md: OPD estimator, Dr.GRPO constant, SFT normalisation, SID last level, k-means mode', async () => {
    const rows = defaultsTable('rl.md');
    expect(find(rows, /`opdLoss` `klEstimator` with sampled-token/).ours).toMatch(/'sampled'/);
    expect(find(rows, /`drGrpoLoss` `normConstant`/).ours).toMatch(/required/);
    expect(find(rows, /`sftLoss` `normalization`/).ours).toMatch(/'token-mean'/);
    expect(find(rows, /`sftLoss` `normalization`/).paper).toMatch(/sum/);
    expect(find(rows, /`assignSids` `lastLevel`/).ours).toMatch(/'collision-aware'.*ours/);
    expect(find(rows, /k-means/).ours).toMatch(/'lloyd'.*EMA off/);
    // …and the code agrees
    const x = { logProbs: [[-1]], oldLogProbs: [[-1]], advantages: [0], teacherLogProbs: [[-2]] };
    const def = await opdLoss(x, { backend: 'js' });
    const sampled = await opdLoss(x, { backend: 'js', klEstimator: 'sampled' });
    expect(def.loss).toBe(sampled.loss);
    await expect(drGrpoLoss({ logProbs: [[-1]], oldLogProbs: [[-1]], advantages: [1] })).rejects.toThrow(/'normConstant'/);
    const sft = { logProbs: [[-1, -2, -3]], reasoningMask: [[1, 0, 0]], rankingMask: [[0, 1, 1]] };
    expect(sftLoss(sft).loss).toBeCloseTo(sftLoss(sft, { normalization: 'token-mean' }).loss, 15);
    expect(sftLoss(sft).loss).toBeCloseTo((0.5 * 1 + 1 * 2 + 1 * 3) / 3, 12);
    expect(renderRerankCompletion([C[0]!])).toMatch(/"explanation"/); // the audit's valid outputs carry reasoning
  });
});
