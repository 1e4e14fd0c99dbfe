/**
 * `gr2 demo` through the built binary at smoke-test size (--quick --max-users), twice with one seed: the same
 * numbers (timings and latencies apart); summary.json holds the settings and the numbers the report shows; report.html renders in headless
 * Chromium (Debian `chromium`, driven by playwright-core) with every chart as laid-out SVG and every table, makes no
 * network request, and its screenshot is saved to artifacts/report.png.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, ensureBuilt, gr2, type CliRun } from './helpers.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const dir = mkdtempSync(join(tmpdir(), 'gr2-cli-demo-'));
const ARGS = ['--quick', '--max-users', '800', '--steps', '8', '--seed', '7', '--sampling-examples', '5', '--serving-slates', '6'];
let runs: CliRun[];

beforeAll(async () => {
  await ensureBuilt();
  runs = await Promise.all([gr2(['demo', ...ARGS, '--out', join(dir, 'a')]), gr2(['demo', ...ARGS, '--out', join(dir, 'b')])]);
}, 600_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const summary = (d: string) => JSON.parse(readFileSync(join(dir, d, 'summary.json'), 'utf8'));

describe('gr2 demo', () => {
  it('prints every stage and writes report.html and summary.json', () => {
    for (const r of runs) {
      expect(r.code, r.stderr).toBe(0);
      for (const stage of ['[1] backend', '[2] Amazon Beauty', '[3] semantic IDs', '[4] pre-rank baseline', '[5] a trace', '[5b] the GR2 prompt', '[5c] rejection sampling', '[6] DAPO listwise re-ranker', '[7] serving re-ranker']) expect(r.stdout).toContain(stage);
    }
    expect(existsSync(join(dir, 'a', 'report.html'))).toBe(true);
  });

  it('the same seed gives the same numbers (everything but the timings, serving latencies included)', () => {
    const { timings: ta, ...a } = summary('a');
    const { timings: tb, ...b } = summary('b');
    expect(ta.totalSeconds).toBeGreaterThan(0);
    expect(tb.totalSeconds).toBeGreaterThan(0);
    expect(ta.serving.medianMs).toBeGreaterThan(0);
    expect(a).toEqual(b);
    // the sampler's accepted traces are reproducible, not only its counts
    expect(a.sampling.accepted.length + a.sampling.dropped.length).toBe(5);
  });

  it('summary.json holds the settings (seed, backend, versions) and consistent numbers', () => {
    const s = summary('a');
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(s.settings).toMatchObject({ seed: 7, quick: true, steps: 8, maxUsers: 800, backend: expect.stringMatching(/^onnx \(cpu\)|^onnx \(cuda\)|^js/) });
    expect(s.settings.versions).toMatchObject({ gr2: pkg.version, node: process.version, vega: expect.stringMatching(/^6\./), 'vega-lite': expect.stringMatching(/^6\./) });
    expect(s.data.users).toBe(800);
    expect(s.sid.levelUsage).toHaveLength(4);
    for (const l of s.sid.levelUsage) expect(l.counts.reduce((a: number, c: number) => a + c, 0)).toBe(s.sid.items);
    expect(s.sid.items).toBeGreaterThan(0.9 * s.data.items);
    expect(s.rl.curve).toHaveLength(8);
    for (const m of ['recall@1', 'recall@5', 'ndcg@5']) {
      expect(s.rl.comparison[m].difference).toBeCloseTo(s.rl.metrics.reranker[m].mean - s.rl.metrics.prerank[m].mean, 12);
    }
    expect(s.rewards.audit.conditional.passed.order_copying).toBe(true);
    expect(s.rewards.audit.naive.passed.order_copying).toBe(false);
    // the prompt stage: the reasoning-free prompt is shorter; the SFT sample weighs reasoning below the ranking
    expect(s.prompt.reasoningFree.tokens).toBeLessThan(s.prompt.prompt.tokens);
    expect(s.prompt.sft.reasoningTokens).toBeGreaterThan(0);
    expect(s.prompt.sft.completionTokens.map((t: { weight: number }) => t.weight)).toEqual(expect.arrayContaining([0.5, 1]));
    // rejection sampling: every example accepted or dropped with its reason; the histogram counts the accepted ones
    const st = s.sampling.stats;
    expect(s.settings).toMatchObject({ samplingExamples: 5, servingSlates: 6 });
    expect(st.examples).toBe(5);
    expect(st.accepted + st.dropped).toBe(5);
    expect(st.attemptsHistogram).toHaveLength(s.sampling.settings.maxAttempts + 1);
    expect(st.attemptsHistogram.reduce((a: number, c: number) => a + c, 0)).toBe(st.accepted);
    expect(st.acceptanceRate).toBeCloseTo(st.accepted / 5, 12);
    expect(st.samples).toBe(s.sampling.accepted.reduce((a: number, r: { attempt: number }) => a + r.attempt, 0) + s.sampling.dropped.reduce((a: number, d: { attempts: number }) => a + d.attempts, 0));
    expect(st.requests).toBe(st.samples); // no transport failure on 127.0.0.1
    for (const d of s.sampling.dropped) expect(d).toMatchObject({ reason: 'max_attempts', attempts: s.sampling.settings.maxAttempts });
    // constrained decoding: every accepted trace is a valid permutation that ends by itself
    for (const r of s.sampling.accepted) expect(r).toMatchObject({ valid: true, finishReason: 'stop' });
    // one SFT sample per accepted trace, its explanation at λ_r and its ranking at λ_o
    expect(s.sampling.sft.samples).toBe(st.accepted);
    for (const r of s.sampling.sft.rows) {
      expect(r.reasoningTokens).toBeGreaterThan(0);
      expect(r.reasoningTokens).toBeLessThanOrEqual(2 * s.sampling.settings.maxReasoningTokens); // re-tokenized text
      expect(r.rankingTokens).toBeGreaterThan(r.reasoningTokens);
    }
    // serving: one answer or fallback per slate; constrained answers never fall back for a bad answer
    expect(s.serving.slates).toBe(6);
    expect(s.serving.modelAnswers + s.serving.fallbacks).toBe(6);
    expect(s.serving.fallbackRate).toBeCloseTo(s.serving.fallbacks / 6, 12);
    expect(s.timings.serving.p90Ms).toBeGreaterThanOrEqual(s.timings.serving.medianMs);
  });

  it.skipIf(!haveChromium && !process.env.GR2_REQUIRE_CHROMIUM)(
    'report.html renders in headless Chromium with every chart and table; screenshot saved to artifacts/report.png',
    async () => {
      const { chromium } = await import('playwright-core');
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      });
      try {
        const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
        const requests: string[] = [];
        page.on('request', (r) => requests.push(r.url()));
        const file = join(dir, 'a', 'report.html');
        await page.goto(`file://${file}`);
        const dom = await page.evaluate(() => {
          // runs in the page (the test's tsconfig has no DOM lib)
          // eslint-disable-next-line @typescript-eslint/no-explicit-any
          const doc = (globalThis as any).document;
          const charts = [...doc.querySelectorAll('figure.chart')].map((f: any) => {
            const svg = f.querySelector('svg');
            const box = svg?.getBoundingClientRect();
            return { id: f.id, width: box?.width ?? 0, height: box?.height ?? 0, marks: svg ? svg.querySelectorAll('path, rect, line').length : 0, text: svg?.textContent ?? '' };
          });
          const tables = [...doc.querySelectorAll('table')].map((t: any) => ({ id: t.id, rows: t.querySelectorAll('tbody tr').length, visible: t.getBoundingClientRect().height > 0 }));
          return {
            charts,
            tables,
            trace: doc.querySelector('#example-trace')?.textContent ?? '',
            teacherTrace: doc.querySelector('#teacher-trace')?.textContent ?? null,
            teacherTokens: doc.querySelectorAll('#teacher-sft-tokens .tok').length,
            body: doc.body.innerText,
          };
        });
        expect(dom.charts.map((c) => c.id).sort()).toEqual(['chart-attempts', 'chart-codebook-usage', 'chart-collisions', 'chart-metric-bars', 'chart-rl-curves']);
        for (const c of dom.charts) {
          expect(c.width, c.id).toBeGreaterThan(200);
          expect(c.height, c.id).toBeGreaterThan(150);
          expect(c.marks, c.id).toBeGreaterThan(c.id === 'chart-attempts' ? 5 : 10);
        }
        expect(dom.charts.find((c) => c.id === 'chart-attempts')!.text).toContain('Rejection sampling');
        expect(dom.charts.find((c) => c.id === 'chart-codebook-usage')!.text).toContain('Codebook usage per level');
        expect(dom.charts.find((c) => c.id === 'chart-metric-bars')!.text).toContain('ndcg@5');
        const s0 = summary('a');
        expect(Object.fromEntries(dom.tables.map((t) => [t.id, t.rows]))).toMatchObject({
          'sid-uniqueness': 3,
          'sid-usage': 4,
          'prerank-table': 2,
          'metrics-table': 3,
          'audit-checks': Object.keys(s0.rewards.audit.conditional.passed).length,
          'prompt-tokens': 2,
          'sampling-table': 1,
          'dropped-table': Math.max(1, s0.sampling.dropped.length),
          'sft-table': Math.max(1, s0.sampling.sft.samples),
          'serving-table': 1,
        });
        expect(dom.tables.find((t) => t.id === 'audit-table')!.rows).toBeGreaterThan(8);
        expect(dom.tables.every((t) => t.visible)).toBe(true);
        expect(JSON.parse(dom.trace).recommendations).toHaveLength(10);
        if (s0.sampling.stats.accepted > 0) {
          expect(JSON.parse(dom.teacherTrace!).recommendations[0]).toBe(s0.sampling.example.target);
          expect(dom.teacherTokens).toBe(s0.sampling.example.sft.completionTokens.length);
        } else {
          expect(dom.teacherTrace).toBeNull();
        }
        // the numbers of summary.json are the report's
        const s = summary('a');
        expect(dom.body).toContain(s.rl.metrics.reranker['ndcg@5'].mean.toFixed(4));
        expect(dom.body).toContain(s.sid.reconstructionMse.toFixed(4));
        expect(dom.body).toContain('seed 7');
        expect(dom.body).toContain(`${(100 * s.sampling.stats.acceptanceRate).toFixed(2)} %`);
        expect(dom.body).toContain(`${s.timings.serving.medianMs.toFixed(1)} ms`);
        expect(dom.body).toContain(`${(100 * s.serving.fallbackRate).toFixed(2)} %`);
        expect(requests.filter((u) => !u.startsWith('file://'))).toEqual([]);
        mkdirSync(join(ROOT, 'artifacts'), { recursive: true });
        await page.screenshot({ path: join(ROOT, 'artifacts', 'report.png'), fullPage: true });
        expect(existsSync(join(ROOT, 'artifacts', 'report.png'))).toBe(true);
      } finally {
        await browser.close();
      }
    },
  );
});
