/**
 * Child process of the bad-input sweep (see sweep_runner.ts). It enumerates every runtime export of every entry
 * point named in package.json "exports", builds a deterministic list of hostile calls with fast-check, and runs them
 * from `start` on, in a scratch working directory. Before each call it writes the call index into the progress file
 * (so the parent can kill it on a hang) and after each call one JSON line into the results file.
 *
 * argv: <repoRoot> <progressFile> <resultsFile> <start> <seed> <perTarget> <asyncLimitMs>
 */
import { closeSync, openSync, readdirSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';

const [repoRoot, progressFile, resultsFile, startArg, seedArg, perTargetArg, asyncLimitArg] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
  string,
  string,
];
const start = Number(startArg);
const seed = Number(seedArg);
const perTarget = Number(perTargetArg);
const asyncLimitMs = Number(asyncLimitArg);

/** A target of the sweep: something callable with a list of arguments. */
interface Target {
  name: string;
  call: (args: unknown[]) => unknown;
  arity: number;
}

/** Entry points: every package.json export that has types, mapped from dist/X.d.ts to src/X.ts. */
function entryPoints(): string[] {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
    exports: Record<string, string | { types?: string }>;
  };
  const out: string[] = [];
  for (const [key, value] of Object.entries(pkg.exports)) {
    const types = typeof value === 'string' ? value : value.types;
    if (!types || !types.endsWith('.d.ts') || key === './package.json') continue;
    out.push(join(repoRoot, types.replace(/^\.\/dist\//, 'src/').replace(/\.d\.ts$/, '.ts')));
  }
  return out;
}

/** The text of every `.ts` file under `src/`, read once for the three scans below. */
function sourceTexts(): string[] {
  const texts: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) texts.push(readFileSync(p, 'utf8'));
    }
  };
  walk(join(repoRoot, 'src'));
  return texts;
}
const SRC_TEXTS = sourceTexts();

/**
 * Class members that are not API: TypeScript `private`/`protected` members and members marked `@internal`.
 * Read from the sources, since they are ordinary properties at run time.
 */
function nonApiMembers(): Set<string> {
  const names = new Set<string>();
  for (const text of SRC_TEXTS) {
    for (const m of text.matchAll(/\b(?:private|protected)\s+(?:static\s+)?(?:readonly\s+)?(?:async\s+)?(?:get\s+|set\s+)?(\w+)\s*[(<=:;]/g)) names.add(m[1]!);
    for (const m of text.matchAll(/@internal[^/]*\*\/\s*(?:static\s+)?(?:async\s+)?(\w+)\s*[(<]/g)) names.add(m[1]!);
  }
  return names;
}
const NON_API = nonApiMembers();

/** Exports whose declaration is marked `@internal` (not API; stripped from the published types). */
function internalExports(): Set<string> {
  const names = new Set<string>();
  for (const text of SRC_TEXTS) {
    const re = /\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*export\s+(?:async\s+)?(?:function\*?|class|const|let|abstract\s+class)\s+(\w+)/g;
    for (const m of text.matchAll(re)) if (/@internal\b/.test(m[1]!)) names.add(m[2]!);
  }
  return names;
}
const INTERNAL = internalExports();

/** Classes whose constructor is `private`/`protected` or `@internal` (built by their static factories only). */
function hiddenConstructors(): Set<string> {
  const names = new Set<string>();
  for (const text of SRC_TEXTS) {
    for (const m of text.matchAll(/\bclass (\w+)[^{]*\{/g)) {
      const rest = text.slice(m.index! + m[0].length);
      const stop = rest.search(/\n(?:export |class |function )/);
      const body = stop < 0 ? rest : rest.slice(0, stop);
      if (/(?:private|protected)\s+constructor\s*\(|@internal[^/]*\*\/\s*constructor\s*\(/.test(body)) names.add(m[1]!);
    }
  }
  return names;
}
const HIDDEN_CONSTRUCTORS = hiddenConstructors();

const isClass = (f: unknown): f is new (...a: unknown[]) => unknown =>
  typeof f === 'function' && /^class[\s{]/.test(Function.prototype.toString.call(f));

/**
 * Not swept: legitimate heavyweight I/O for any path string, which is not a hang — `loadBeauty` reads the bundled
 * 2 MB dataset (`loadSequences` is the same code); `writeTinyCausalLm` writes and `createLocalGenerator` loads a
 * model directory (seconds each; covered by their own tests).
 */
const NEVER_CALL = new Set<string>(['loadBeauty', 'writeTinyCausalLm', 'createLocalGenerator']);

async function collectTargets(): Promise<{ targets: Target[]; modules: Record<string, unknown> }> {
  const seen = new Set<unknown>();
  const targets: Target[] = [];
  const modules: Record<string, unknown> = {};
  for (const file of entryPoints()) {
    const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    for (const [name, value] of Object.entries(mod).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      modules[name] ??= value;
      if (typeof value !== 'function' || seen.has(value) || NEVER_CALL.has(name) || INTERNAL.has(name)) continue;
      seen.add(value);
      if (isClass(value)) {
        const C = value;
        if (!HIDDEN_CONSTRUCTORS.has(name)) {
          targets.push({ name: `new ${name}`, arity: Math.max(C.length, 2), call: (a) => new C(...a) });
        }
        for (const key of Object.getOwnPropertyNames(C)) {
          if (['length', 'name', 'prototype'].includes(key) || NON_API.has(key)) continue;
          const d = Object.getOwnPropertyDescriptor(C, key);
          if (!d || typeof d.value !== 'function') continue;
          const m = d.value as (...a: unknown[]) => unknown;
          targets.push({ name: `${name}.${key}`, arity: Math.max(m.length, 2), call: (a) => m.apply(C, a) });
        }
      } else {
        const f = value as (...a: unknown[]) => unknown;
        targets.push({ name, arity: Math.max(f.length, 2), call: (a) => f(...a) });
      }
    }
  }
  return { targets, modules };
}

/** Instance methods: instances built by plausible calls of the exported classes and factories. */
function instanceTargets(modules: Record<string, unknown>, plausibleInstances: [string, unknown][]): Target[] {
  void modules;
  const out: Target[] = [];
  for (const [label, inst] of plausibleInstances) {
    if (inst === null || typeof inst !== 'object') continue;
    const seenKeys = new Set<string>();
    for (let proto = Object.getPrototypeOf(inst); proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
      for (const key of Object.getOwnPropertyNames(proto)) {
        if (key === 'constructor' || seenKeys.has(key) || NON_API.has(key)) continue;
        seenKeys.add(key);
        const d = Object.getOwnPropertyDescriptor(proto, key);
        if (!d || typeof d.value !== 'function') continue;
        const m = d.value as (...a: unknown[]) => unknown;
        out.push({ name: `${label}#${key}`, arity: Math.max(m.length, 2), call: (a) => m.apply(inst, a) });
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Arguments

function plausibleValues(modules: Record<string, unknown>): unknown[] {
  const Tensor = modules['Tensor'] as (new (d: string, data: unknown, dims: number[]) => unknown) | undefined;
  const values: unknown[] = [
    [[1, 2, 3], [2, 3, 4], [3, 4, 5, 1], [5, 1, 2]],
    { data: new Float32Array([1, 2, 3, 4, 5, 6]), shape: [3, 2] },
    { data: new Float32Array([1, 2, 3, 4, 5, 6]), dims: [3, 2] },
    { data: new Int32Array([0, 1, 1, 0, 2, 1]), dims: [3, 2] },
    [
      [0.1, 0.2],
      [0.3, 0.4],
      [0.5, 0.6],
    ],
    [3, 1, 2],
    [0, 1, 0],
    [1, 0.5, 0.25],
    [[0, 1, 2], [2, 1, 0]],
    2,
    3,
    0.5,
    {},
    { k: 2 },
    { seed: 1 },
    '<|sid_begin|><s_a_1><s_b_2><s_c_3><|sid_end|>',
    '1 2 3\n2 3 4\n',
    '{"explanation":"x","recommendations":["<|sid_begin|><s_a_1><s_b_2><s_c_3><|sid_end|>"]}',
    [{ items: [1, 2, 3], target: 2 }],
    { items: [1, 2, 3], target: 2 },
  ];
  if (Tensor) {
    values.push(new Tensor('float32', new Float32Array([1, 2, 3, 4, 5, 6]), [3, 2]));
    values.push(new Tensor('int32', new Int32Array([0, 1, 2, 1, 0, 2]), [2, 3]));
  }
  return values;
}

const hostileValues: unknown[] = [
  null,
  undefined,
  NaN,
  Infinity,
  -Infinity,
  -1,
  0,
  -0,
  1.5,
  2 ** 31,
  2 ** 32 + 1,
  2 ** 53,
  1e308,
  '',
  'abc',
  '1 99999999999999999999',
  Symbol('hostile'),
  10n,
  true,
  () => undefined,
  [],
  [[]],
  [null],
  [undefined],
  [[1, 2, 3], [2, 3]],
  [[1, 2], [3]],
  [[[1]]],
  ['a', 'b'],
  [NaN, 1],
  [{}],
  [[1, 2], 'x'],
  new Float32Array(0),
  new Float32Array([1, NaN]),
  new Int32Array([1, 2, 3]),
  new Float64Array(3),
  { data: [1, 2], shape: [2, 2] },
  { data: [1, 2, 3, 4], shape: [2 ** 31, 2] },
  { data: new Float32Array(4), dims: [2, 2, 1, -1] },
  { data: 'x', shape: 'y' },
  { data: null, dims: null },
  { items: 3 },
  { items: [1, 2], target: {} },
  { k: -1 },
  { k: 2 ** 31 },
  { seed: NaN },
  { unknownOption: 1 },
  Object.create(null),
  new Map([[1, 2]]),
  new Date(0),
  { length: 2 ** 31 },
  { length: -1, 0: 1 },
  Array.from({ length: 3 }),
  [2 ** 31, 2 ** 31],
  [-1, 1e20],
];

/**
 * Sizes are drawn small (legitimate, fast) or absurd (≥ 2^31, must be refused at once). Sizes in between
 * (say 10^7) are legitimate work that may take seconds, which is not a hang, so they are not drawn.
 */
const sizeArb = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: -5, max: 1000 }) },
  { weight: 1, arbitrary: fc.constantFrom(2 ** 31 - 1, 2 ** 31, 2 ** 32 + 1, 2 ** 53, 1e21, 1e308) },
);

function hostileArb(plausible: unknown[]): fc.Arbitrary<unknown> {
  const leaves = [
    fc.boolean(),
    sizeArb,
    fc.double(),
    fc.string({ maxLength: 8 }),
    fc.constant(null),
    fc.constant(undefined),
    fc.bigInt(),
  ];
  return fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(...hostileValues) },
    { weight: 4, arbitrary: fc.constantFrom(...plausible) },
    {
      weight: 2,
      arbitrary: fc.anything({
        maxDepth: 2,
        maxKeys: 3,
        withBigInt: true,
        withTypedArray: true,
        withNullPrototype: true,
        withMap: true,
        withSet: true,
        withSparseArray: true,
        withBoxedValues: true,
        withDate: true,
        values: leaves,
      }),
    },
    { weight: 1, arbitrary: fc.array(fc.array(fc.integer({ min: -3, max: 9 }), { maxLength: 4 }), { maxLength: 4 }) },
    { weight: 1, arbitrary: fc.array(fc.double({ min: -1e6, max: 1e6 }), { maxLength: 5 }) },
    { weight: 1, arbitrary: fc.array(fc.double(), { maxLength: 5 }) },
    { weight: 2, arbitrary: sizeArb },
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Classification

const TYPED_MESSAGE = /^(?:new )?[A-Za-z_$][\w$.#]*(?:\(\))?: '.+?' must be [\s\S]+; got [\s\S]*\./;

function classifyError(e: unknown): { kind: 'typed' | 'raw'; message: string } {
  const message = e instanceof Error ? `${e.name}: ${e.message}` : `non-error thrown: ${String(e)}`;
  if (e instanceof Error) {
    // Gr2Error subclasses: the base class name is in the chain.
    for (let p = Object.getPrototypeOf(e); p; p = Object.getPrototypeOf(p)) {
      if (p.constructor?.name === 'Gr2Error') return { kind: 'typed', message };
    }
    // Node system errors of the environment (a missing file: ENOENT) are not argument errors.
    if (typeof (e as { code?: unknown }).code === 'string' && typeof (e as { syscall?: unknown }).syscall === 'string') {
      return { kind: 'typed', message };
    }
    if ((e.constructor === TypeError || e.constructor === RangeError) && TYPED_MESSAGE.test(e.message)) {
      return { kind: 'typed', message };
    }
  }
  return { kind: 'raw', message };
}

/** Whether `v` holds only finite numbers (deep, bounded). */
function allFinite(v: unknown, depth = 0, seen = new Set<unknown>()): boolean {
  if (depth > 6) return true;
  if (typeof v === 'number') return Number.isFinite(v);
  if (v === null || typeof v !== 'object') return true;
  if (seen.has(v)) return true;
  seen.add(v);
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
    for (const x of v as unknown as Iterable<number | bigint>) if (typeof x === 'number' && !Number.isFinite(x)) return false;
    return true;
  }
  if (v instanceof Map || v instanceof Set || v instanceof Date) return true;
  let keys: string[];
  try {
    keys = Object.keys(v);
  } catch {
    return true;
  }
  for (const k of keys.slice(0, 200)) {
    let x: unknown;
    try {
      x = (v as Record<string, unknown>)[k];
    } catch {
      continue;
    }
    if (!allFinite(x, depth + 1, seen)) return false;
  }
  if ('data' in (v as object)) {
    try {
      if (!allFinite((v as { data: unknown }).data, depth + 1, seen)) return false;
    } catch {
      /* getter */
    }
  }
  return true;
}

function describe(v: unknown): string {
  try {
    if (typeof v === 'symbol') return v.toString();
    if (typeof v === 'bigint') return `${v}n`;
    if (typeof v === 'function') return 'function';
    if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
    if (ArrayBuffer.isView(v)) return `${v.constructor.name}(${(v as unknown as ArrayLike<number>).length})`;
    const s = JSON.stringify(v, (_k, x) =>
      typeof x === 'bigint' ? `${x}n` : typeof x === 'number' && !Number.isFinite(x) ? String(x) : ArrayBuffer.isView(x) ? `${x.constructor.name}(${(x as unknown as ArrayLike<number>).length})` : x,
    );
    return s === undefined ? String(v) : s.length > 120 ? s.slice(0, 117) + '...' : s;
  } catch {
    return Object.prototype.toString.call(v);
  }
}

// ---------------------------------------------------------------------------------------------------------------

function withTimeout<T>(p: Promise<T>, ms: number): Promise<{ value: T } | 'timeout'> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve('timeout'), ms);
    p.then(
      (value) => {
        clearTimeout(timer);
        resolve({ value });
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

async function main(): Promise<void> {
  const { targets, modules } = await collectTargets();
  const plausible = plausibleValues(modules);
  // Instances of exported classes reachable with simple arguments, so their methods are swept too.
  const instances: [string, unknown][] = [];
  for (const t of targets.filter((t) => t.name.startsWith('new '))) {
    for (const args of [[], [{}], plausible.slice(0, 1), plausible.slice(1, 2)]) {
      try {
        const inst = t.call(args);
        if (inst && typeof (inst as { then?: unknown }).then !== 'function') {
          instances.push([t.name.slice(4), inst]);
          break;
        }
      } catch {
        /* not constructible this way */
      }
    }
  }
  const all = [...targets, ...instanceTargets(modules, instances)];
  const arb = hostileArb(plausible);
  const calls: { target: Target; args: unknown[] }[] = [];
  all.forEach((target, ti) => {
    const lists = fc.sample(fc.array(arb, { minLength: 0, maxLength: target.arity + 1 }), {
      seed: seed + ti,
      numRuns: perTarget,
    });
    for (const args of lists) calls.push({ target, args });
  });

  const progress = openSync(progressFile, 'r+');
  const results = openSync(resultsFile, 'a');
  const write = (rec: object): void => {
    writeSync(results, JSON.stringify(rec) + '\n');
  };
  let current = -1;
  process.on('unhandledRejection', (e) => {
    const c = classifyError(e);
    write({ i: current, fn: calls[current]?.target.name ?? '?', kind: 'raw', message: `unhandled rejection: ${c.message}` });
  });
  writeSync(progress, `total ${calls.length}`.padEnd(600) + '\n', 0);
  for (let i = start; i < calls.length; i++) {
    current = i;
    const { target, args } = calls[i]!;
    writeSync(progress, `${i}\t${target.name}\t${args.map(describe).join(', ')}`.slice(0, 600).padEnd(600) + '\n', 0);
    const finiteIn = args.every((a) => allFinite(a));
    let rec: { i: number; fn: string; kind: string; message?: string; args?: string };
    try {
      let out = target.call(args);
      if (out && typeof (out as { then?: unknown }).then === 'function') {
        const r = await withTimeout(out as Promise<unknown>, asyncLimitMs);
        if (r === 'timeout') {
          rec = { i, fn: target.name, kind: 'hang', message: `promise not settled in ${asyncLimitMs} ms` };
          rec.args = args.map(describe).join(', ');
          write(rec);
          continue;
        }
        out = r.value;
      }
      rec = { i, fn: target.name, kind: finiteIn && !allFinite(out) ? 'nan' : 'ok' };
    } catch (e) {
      const c = classifyError(e);
      rec = { i, fn: target.name, kind: c.kind, message: c.message.slice(0, 300) };
    }
    if (rec.kind !== 'ok' && rec.kind !== 'typed') rec.args = args.map(describe).join(', ');
    write(rec);
  }
  writeSync(progress, 'done'.padEnd(600) + '\n', 0);
  closeSync(results);
  closeSync(progress);
  process.exit(0);
}

await main();
