/**
 * The demo's self-contained HTML report: the numbers, tables, one example trace and Vega-Lite charts rendered to
 * inline SVG at build time (no script, no network: it opens from disk).
 *
 * @packageDocumentation
 * @internal
 */
import { attemptsHistogramSpec, codebookUsageSpec, collisionHistogramSpec, metricBarsSpec, renderChart, rlCurvesSpec } from './charts.js';
import type { DemoSummary } from './pipeline.js';

/** What the report shows besides the pipeline's numbers. @internal */
export interface ReportSettings {
  readonly seed: number;
  readonly quick: boolean;
  readonly versions: Readonly<Record<string, string>>;
  readonly backend: string;
}

const esc = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const f4 = (x: number | null | undefined) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(4) : '–');
const pct = (x: number) => `${(100 * x).toFixed(2)} %`;

function htmlTable(head: readonly string[], rows: readonly (readonly unknown[])[], id: string): string {
  return `<table id="${id}"><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

const figure = (id: string, svg: string, caption: string) => `<figure class="chart" id="${id}">${svg}<figcaption>${esc(caption)}</figcaption></figure>`;

async function charts(s: DemoSummary) {
  const usage = await renderChart(codebookUsageSpec(s.sid.levelUsage));
  const collisions = await renderChart(
    collisionHistogramSpec([
      ...s.sid.collisionHistogram.greedy.map((r) => ({ ...r, method: 'greedy last level' })),
      ...s.sid.collisionHistogram.random.map((r) => ({ ...r, method: 'random last level' })),
    ]),
  );
  const curves = await renderChart(
    rlCurvesSpec([
      ...s.rl.curve.map((c) => ({ step: c.step, series: 'mean reward (conditional)', value: c.meanReward })),
      ...s.rl.curve.filter((c) => c.heldOutNdcg5 !== null).map((c) => ({ step: c.step, series: 'held-out NDCG@5', value: c.heldOutNdcg5! })),
    ]),
  );
  const bars = await renderChart(
    metricBarsSpec(
      (['prerank', 'reranker'] as const).flatMap((system) =>
        Object.entries(s.rl.metrics[system]).map(([metric, v]) => ({ metric, system: system === 'prerank' ? 'pre-rank order' : 'DAPO re-ranker', mean: v.mean, lo: v.ci[0], hi: v.ci[1] })),
      ),
    ),
  );
  const sm = s.sampling;
  const attempts = sm
    ? await renderChart(
        attemptsHistogramSpec([
          ...sm.stats.attemptsHistogram.slice(1).map((examples, k) => ({ attempt: String(k + 1), examples, outcome: 'accepted' })),
          { attempt: 'dropped', examples: sm.dropped.filter((d) => d.reason === 'max_attempts').length, outcome: 'dropped' },
        ]),
      )
    : null;
  return { usage, collisions, curves, bars, attempts };
}

function sidSection(s: DemoSummary, c: Awaited<ReturnType<typeof charts>>): string {
  const u = s.sid.uniqueness;
  return `<section id="sid"><h2>Semantic IDs (RQ-KMeans ${s.sid.levels} × ${s.sid.codebookSize})</h2>
<p>Item vectors of dimension ${s.data.vectorDim} quantized level by level; reconstruction MSE <b>${f4(s.sid.reconstructionMse)}</b>.
Example: item ${esc(s.sid.exampleSid.item)} → <code>${esc(s.sid.exampleSid.sid)}</code>.</p>
${htmlTable(['last level', 'uniqueness', 'collision groups'], [
    ['greedy (plain RQ-KMeans)', pct(u.greedy), s.sid.collisionGroups.greedy],
    ['random (GR2)', pct(u.random), s.sid.collisionGroups.random],
    ['collision-aware', u.collisionAware === null ? `impossible: ${s.sid.collisionAwareImpossible}` : pct(u.collisionAware), s.sid.collisionGroups.collisionAware ?? '–'],
  ], 'sid-uniqueness')}
${htmlTable(['level', 'codebook', 'used', 'dead', 'entropy (bits)', 'perplexity'], s.sid.levelUsage.map((l) => [l.level, l.codebookSize, l.used, l.dead, l.entropy.toFixed(3), l.perplexity.toFixed(1)]), 'sid-usage')}
<div class="charts">${figure('chart-codebook-usage', c.usage, 'Items per code at each level, codes sorted by usage (greedy codes): dead codes show as zeros at the right.')}${figure('chart-collisions', c.collisions, 'How many SIDs are shared by 1, 2, 3 … items, before and after the random last level.')}</div></section>`;
}

function prerankSection(s: DemoSummary): string {
  const rows = Object.entries(s.prerank).map(([policy, v]) => {
    const p = v as { slates: number; retrievalRate: number; metrics: Record<string, { mean: number; ci: readonly [number, number] }> };
    return [policy, p.slates, pct(p.retrievalRate), ...['recall@1', 'recall@5', 'ndcg@5'].map((m) => `${f4(p.metrics[m]!.mean)} [${f4(p.metrics[m]!.ci[0])}, ${f4(p.metrics[m]!.ci[1])}]`)];
  });
  return `<section id="prerank"><h2>Pre-ranked slates (K = 10) and the pre-rank baseline</h2>
${htmlTable(['policy', 'slates', 'target retrieved', 'Recall@1', 'Recall@5', 'NDCG@5'], rows, 'prerank-table')}</section>`;
}

function rewardSection(s: DemoSummary): string {
  const e = s.rewards.example;
  const a = s.rewards.audit;
  const strategies = a.conditional.table.map((r) => r.strategy);
  const rowOf = (t: typeof a.naive.table, name: string) => t.find((r) => r.strategy === name);
  const rows = strategies.map((name) => [name, rowOf(a.naive.table, name)?.kind ?? '', f4(rowOf(a.naive.table, name)?.mean), f4(rowOf(a.conditional.table, name)?.mean)]);
  const checks = Object.keys(a.conditional.passed).map((c) => {
    const v = (x: boolean | null | undefined) => (x === null || x === undefined ? 'not run' : x ? 'pass' : 'flagged');
    return [c, v((a.naive.passed as Record<string, boolean | null>)[c]), v((a.conditional.passed as Record<string, boolean | null>)[c])];
  });
  return `<section id="rewards"><h2>One example trace and the reward audit</h2>
<p>User ${esc(e.user)}, last items of the history: ${e.history.map((h) => `<code>${esc(h.sid)}</code>`).join(' ')}.
The target is at pre-rank position ${e.targetRank}. A completion that promotes it to rank 1 parses strictly (valid: ${esc(e.parsed.valid)}, format ${esc(e.parsed.format)}) and earns the conditional reward <b>${f4(e.conditionalReward)}</b>; copying the input order earns <b>${f4(e.copyInputReward)}</b>.</p>
<pre id="example-trace">${esc(e.completion)}</pre>
<h3>Reward audit on ${a.conditional.slates} slates (mean reward per strategy)</h3>
${htmlTable(['strategy', 'kind', 'naive R_rank + α·Ω', 'conditional (GR2)'], rows, 'audit-table')}
${htmlTable(['check', 'naive', 'conditional'], checks, 'audit-checks')}
<p>Copying the input order on slates where it is not optimal earns ${f4(a.naive.copyMeanOnNonOptimal)} under the naive reward and ${f4(a.conditional.copyMeanOnNonOptimal)} under the conditional one.</p></section>`;
}

function promptSection(s: DemoSummary): string {
  const p = s.prompt;
  if (!p) return `<section id="prompt"><h2>The GR2 prompt</h2><p>Not rendered: ${esc(s.promptSkipped)}.</p></section>`;
  const tokens = tokenSpans(p.sft.completionTokens);
  return `<section id="prompt"><h2>The GR2 prompt and its SFT sample</h2>
${htmlTable(['prompt', 'Qwen3 tokens (with SID tokens)'], [['with reasoning', p.prompt.tokens], ['reasoning-free (TR §9.4)', p.reasoningFree.tokens]], 'prompt-tokens')}
<details open><summary>System message</summary><pre id="prompt-system">${esc(p.prompt.system)}</pre></details>
<details open><summary>User message</summary><pre id="prompt-user">${esc(p.prompt.user)}</pre></details>
<p>SFT sample of the trace above: ${p.sft.tokens} tokens, ${p.sft.promptTokens} of them prompt (label −100), ${p.sft.reasoningTokens} reasoning tokens at weight λ_r = ${p.sft.weights.reasoning}, ${p.sft.rankingTokens} ranking tokens at λ_o = ${p.sft.weights.ranking}. The first completion tokens, shaded by weight:</p>
<p class="tokens" id="sft-tokens">${tokens}</p></section>`;
}

function tokenSpans(tokens: readonly { token: string; weight: number }[]): string {
  return tokens.map((t) => `<span class="tok w${String(t.weight).replace('.', '_')}" title="weight ${t.weight}">${esc(t.token)}</span>`).join('');
}

function samplingSection(s: DemoSummary, c: Awaited<ReturnType<typeof charts>>): string {
  const sm = s.sampling;
  if (!sm) return `<section id="sampling"><h2>Rejection sampling of teacher traces</h2><p>Not run: ${esc(s.llmSkipped)}.</p></section>`;
  const st = sm.stats;
  const dropped = sm.dropped.length
    ? sm.dropped.map((d) => [d.id, d.reason, d.attempts, d.detail ?? ''])
    : [['none', '', '', '']];
  const sftRows = sm.sft.rows.map((r) => [r.id, r.attempt, r.tokens, r.promptTokens, r.reasoningTokens, r.rankingTokens, (r.reasoningTokens * sm.sft.weights.reasoning + r.rankingTokens * sm.sft.weights.ranking).toFixed(1)]);
  const ex = sm.example;
  return `<section id="sampling"><h2>Rejection sampling of teacher traces, and their SFT samples</h2>
<p>Teacher: ${esc(sm.settings.model)}. Each of ${sm.settings.examples} held-out slates becomes a teacher prompt that does not reveal the target
(<code>buildTeacherPrompt</code>, strategy 'rejection', candidates shuffled); <code>rejectionSample</code> samples it at temperature ${sm.settings.temperature},
up to ${sm.settings.maxAttempts} attempts, and keeps the first trace whose top pick is the target. Answers are SID-constrained (every one a valid
permutation) with an explanation of at most ${sm.settings.maxReasoningTokens} tokens. The model has random weights: it knows nothing of the user,
so an attempt succeeds with probability 1/K at best, and less where its fixed preferences avoid the target — those slates are dropped.
The numbers show the sampler at work, not a teacher.</p>
${htmlTable(['examples', 'accepted', 'dropped', 'acceptance rate', 'samples', 'accepted per sample', 'requests', 'tokens'], [
    [st.examples, st.accepted, st.dropped, pct(st.acceptanceRate), st.samples, pct(st.sampleAcceptanceRate), st.requests, st.tokens.total],
  ], 'sampling-table')}
<div class="charts">${c.attempts ? figure('chart-attempts', c.attempts, `Accepted examples by the attempt that succeeded, and the examples dropped after ${sm.settings.maxAttempts} attempts.`) : ''}</div>
<h3>Dropped examples</h3>
${htmlTable(['example', 'reason', 'attempts', 'detail'], dropped, 'dropped-table')}
${ex ? `<h3>An accepted trace (${esc(ex.id)}, attempt ${ex.attempt})</h3><pre id="teacher-trace">${esc(ex.completion)}</pre>` : ''}
<h3>SFT samples of the accepted traces (λ_r = ${sm.sft.weights.reasoning} on the reasoning, λ_o = ${sm.sft.weights.ranking} on the ranking)</h3>
${htmlTable(['example', 'attempt', 'tokens', 'prompt tokens (label −100)', 'reasoning tokens', 'ranking tokens', 'Σ weights'], sftRows.length ? sftRows : [['none', '', '', '', '', '', '']], 'sft-table')}
${ex ? `<p>The completion tokens of the trace above, shaded by weight:</p><p class="tokens" id="teacher-sft-tokens">${tokenSpans(ex.sft.completionTokens)}</p>` : ''}</section>`;
}

function servingSection(s: DemoSummary): string {
  const v = s.serving;
  const l = s.timings.serving;
  if (!v || !l) return `<section id="serving"><h2>The serving re-ranker</h2><p>Not run: ${esc(s.servingSkipped)}.</p></section>`;
  const reasons = Object.entries(v.fallbackReasons).map(([k, n]) => `${k} (${n})`).join(', ') || 'none';
  return `<section id="serving"><h2>The serving re-ranker</h2>
<p><code>createReranker</code> over the same tiny model in process (<code>createLocalGenerator</code>): ${esc(v.prompt)} answers, time budget ${v.timeoutMs} ms,
falling back to the pre-rank order on a timeout, an error or an unusable answer. Latency is the wall time of one <code>rerank</code> call on this machine.</p>
${htmlTable(['slates', 'model answers', 'fallbacks', 'fallback rate', 'fallback reasons', 'latency median', 'latency p90', 'model time median', 'top pick changed'], [
    [v.slates, v.modelAnswers, v.fallbacks, pct(v.fallbackRate), reasons, `${l.medianMs.toFixed(1)} ms`, `${l.p90Ms.toFixed(1)} ms`, `${l.modelMedianMs.toFixed(1)} ms`, pct(v.topPickChangedRate)],
  ], 'serving-table')}</section>`;
}

function rlSection(s: DemoSummary, c: Awaited<ReturnType<typeof charts>>): string {
  const r = s.rl;
  const rows = Object.keys(r.metrics.prerank).map((m) => {
    const p = r.metrics.prerank[m]!;
    const q = r.metrics.reranker[m]!;
    const d = r.comparison[m]!;
    return [m, `${f4(p.mean)} [${f4(p.ci[0])}, ${f4(p.ci[1])}]`, `${f4(q.mean)} [${f4(q.ci[0])}, ${f4(q.ci[1])}]`, `${d.difference >= 0 ? '+' : ''}${f4(d.difference)} [${f4(d.ci[0])}, ${f4(d.ci[1])}]`, f4(d.pValue)];
  });
  return `<section id="rl"><h2>DAPO-trained listwise re-ranker (conditional reward)</h2>
<p>${r.steps} steps, G = ${r.groupSize} rollouts per slate, ${r.trainSlates} training slates; dynamic sampling kept ${r.sampling.kept} of ${r.sampling.generated} groups.
Greedy output equal to the input order: ${pct(r.identityRate.before)} before RL, ${pct(r.identityRate.after)} after. Evaluated on ${r.testSlates} held-out slates.</p>
${htmlTable(['metric', 'pre-rank order', 'DAPO re-ranker', 'Δ (95 % CI)', 'p (paired bootstrap)'], rows, 'metrics-table')}
<div class="charts">${figure('chart-rl-curves', c.curves, `Mean reward per step and NDCG@5 on ${r.heldOutForCurve} held-out slates during training.`)}${figure('chart-metric-bars', c.bars, 'Recall@1, Recall@5 and NDCG@5 with 95 % bootstrap intervals.')}</div></section>`;
}

const CSS = `body{font-family:Helvetica,Arial,sans-serif;margin:2em auto;max-width:1100px;color:#222;line-height:1.45}
h1{margin-bottom:.2em}h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;margin:.8em 0}th,td{border:1px solid #ccc;padding:.25em .6em;text-align:right}th{background:#f3f3f3}
td:first-child,th:first-child{text-align:left}code,pre{font-family:Menlo,Consolas,monospace;font-size:.85em}
pre{background:#f7f7f7;padding:.8em;white-space:pre-wrap;border:1px solid #e3e3e3}
.charts{display:flex;flex-wrap:wrap;gap:1.5em}.chart{margin:0}.chart figcaption{font-size:.85em;color:#555;max-width:640px}
.settings{color:#555;font-size:.9em}.tokens{font-family:Menlo,Consolas,monospace;font-size:.8em;line-height:1.9}
.tok{border:1px solid #ddd;padding:0 2px;margin:0 1px;white-space:pre}.w0_5{background:#fde9c8}.w1{background:#c9e3f7}.w0{background:#eee}`;

/** Builds the report's HTML. @internal */
export async function buildReport(s: DemoSummary, settings: ReportSettings): Promise<string> {
  const c = await charts(s);
  const versions = Object.entries(settings.versions).map(([k, v]) => `${esc(k)} ${esc(v)}`).join(', ');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>gr2 demo report</title><style>${CSS}</style></head>
<body><h1>GR2 on Amazon Beauty: the demo report</h1>
<p class="settings" id="settings">seed ${settings.seed}${settings.quick ? ' (quick mode)' : ''}; backend ${esc(settings.backend)}; ${versions}</p>
<section id="data"><h2>Data</h2><p>${s.data.users} users, ${s.data.items} items, ${s.data.interactions} interactions (leave-one-out split; the last item of each user is the test target).</p></section>
${sidSection(s, c)}
${prerankSection(s)}
${rewardSection(s)}
${promptSection(s)}
${samplingSection(s, c)}
${rlSection(s, c)}
${servingSection(s)}
</body></html>
`;
}
