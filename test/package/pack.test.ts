/**
 * The published artefact: `npm pack` produces a tarball that installs into an empty project and imports from
 * plain Node ESM and from TypeScript (type-checked against the shipped declarations, then run).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..', '..');
const bin = (name: string) => join(root, 'node_modules', '.bin', name);
let work = '';
let project = '';
let tarball = '';

/** Bare module specifiers (package names) imported by the `.js` and `.d.ts` files under `dir` (TypeScript's own pre-processor: static, dynamic and type imports; comments ignored). */
function importedPackages(dir: string): { js: Set<string>; dts: Set<string> } {
  const js = new Set<string>();
  const dts = new Set<string>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !/\.(js|d\.ts)$/.test(entry.name)) continue;
    const info = ts.preProcessFile(readFileSync(join(entry.parentPath, entry.name), 'utf8'), true, true);
    for (const { fileName: s } of [...info.importedFiles, ...info.typeReferenceDirectives]) {
      if (s.startsWith('.') || s.startsWith('node:') || s.startsWith('/')) continue;
      const name = s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!;
      (entry.name.endsWith('.d.ts') ? dts : js).add(name);
    }
  }
  return { js, dts };
}

/** Bytes on disk of every file under `dir` (symlinks not followed). */
function diskBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) total += statSync(join(entry.parentPath, entry.name)).size;
  }
  return total;
}

function run(cmd: string, args: string[], cwd: string): string {
  try {
    return execFileSync(cmd, args, {
      cwd,
      encoding: 'utf8',
      env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip', npm_config_loglevel: 'error' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}:\n${err.stdout ?? ''}\n${err.stderr ?? ''}`);
  }
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'gr2-pack-'));
  run('npm', ['run', 'build', '--silent'], root);
  run('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', work], root);
  tarball = readdirSync(work).find((f) => f.endsWith('.tgz'))!;
  project = join(work, 'consumer');
  run('mkdir', ['-p', project], work);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  run('npm', ['install', join(work, tarball), '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], project);
}, 300_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('npm pack', () => {
  it('declares exactly what dist/ imports: every runtime dependency is imported, nothing imported is undeclared', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
      peerDependencies?: Record<string, string>;
      peerDependenciesMeta?: Record<string, { optional?: boolean }>;
    };
    const deps = Object.keys(pkg.dependencies ?? {});
    const peers = Object.keys(pkg.peerDependencies ?? {});
    const { js, dts } = importedPackages(join(root, 'dist'));
    // a package named only in declarations is satisfied by its own types or by @types/<name>
    const typesOf = (name: string) => (name.startsWith('@types/') ? name.slice('@types/'.length).replace(/^(.+)__(.+)$/, '@$1/$2') : name);
    const imported = new Set([...js, ...dts]);
    for (const dep of deps) expect(imported.has(typesOf(dep)), `dependency ${dep} is not imported by dist/`).toBe(true);
    for (const name of imported) {
      const declared = deps.includes(name) || peers.includes(name) || (!js.has(name) && deps.includes(`@types/${name.replace(/^@(.+)\/(.+)$/, '$1__$2')}`));
      expect(declared, `dist/ imports ${name}, which package.json does not declare`).toBe(true);
    }
    // optional peers are loaded lazily (import()), never statically
    for (const peer of peers) {
      if (!pkg.peerDependenciesMeta?.[peer]?.optional) continue;
      for (const entry of readdirSync(join(root, 'dist'), { recursive: true, withFileTypes: true })) {
        if (!entry.isFile() || !entry.name.endsWith('.js')) continue;
        const text = readFileSync(join(entry.parentPath, entry.name), 'utf8');
        expect(text.match(new RegExp(`\\bfrom\\s*['"]${peer}['"]|^import\\s+['"]${peer}['"]`, 'm')), `${entry.name} imports the optional peer ${peer} statically`).toBeNull();
      }
    }
    // the packages only tests and benchmarks use stay out of a user's install; transformers.js is an optional peer
    for (const devOnly of ['@huggingface/transformers', 'ml-kmeans', 'ndarray']) expect(deps).not.toContain(devOnly);
    expect(peers).toContain('@huggingface/transformers');
  });

  it('installs into an empty project in under 300 MiB (the optional peer @huggingface/transformers is not installed)', () => {
    const bytes = diskBytes(join(project, 'node_modules'));
    const packages = readdirSync(join(project, 'node_modules')).filter((n) => !n.startsWith('.'));
    const mib = bytes / 2 ** 20;
    console.log(
      `consumer install (npm install <tarball> into an empty project, --ignore-scripts): node_modules = ${mib.toFixed(1)} MiB ` +
        `(${(bytes / 1e6).toFixed(1)} MB); top level: ${packages.join(', ')}`,
    );
    expect(packages).not.toContain('ml-kmeans');
    expect(packages).not.toContain('ndarray');
    expect(existsSync(join(project, 'node_modules', '@huggingface', 'transformers'))).toBe(false);
    expect(mib).toBeLessThan(300);
  });

  it('ships only the build output, the bundled Amazon Beauty data with its attribution, docs and license', () => {
    const listing = run('tar', ['-tzf', join(work, tarball)], work).split('\n').filter(Boolean);
    expect(listing).toContain('package/dist/index.js');
    expect(listing).toContain('package/dist/index.d.ts');
    expect(listing).toContain('package/LICENSE');
    expect(listing.some((f) => f.startsWith('package/test/') || f.startsWith('package/src/'))).toBe(false);
    expect(listing).toContain('package/examples/data/Beauty.txt');
    expect(listing).toContain('package/examples/data/README.md');
    expect(listing.filter((f) => f.startsWith('package/examples/')).sort()).toEqual(['package/examples/data/Beauty.txt', 'package/examples/data/README.md']);
  });

  it('imports from plain Node ESM (root and subpaths) and computes with the js backend', () => {
    writeFileSync(
      join(project, 'main.mjs'),
      [
        "import { nearest, setBackend, Random, loadBeauty } from 'gr2';",
        "import * as backend from 'gr2/backend';",
        "await setBackend('js');",
        'const r = await nearest([[0, 0], [5, 5]], [[1, 0], [4, 4]]);',
        'const beauty = await loadBeauty();',
        "console.log(JSON.stringify({ index: [...r.index], distance: [...r.distance], same: backend.nearest === nearest, rnd: new Random(42).random(), users: beauty.sequences.length }));",
      ].join('\n'),
    );
    const out = JSON.parse(run('node', ['main.mjs'], project));
    expect(out).toEqual({ index: [0, 1], distance: [1, 2], same: true, rnd: 0.6394267984578837, users: 22363 });
  });

  it('type-checks and runs from TypeScript against the shipped declarations', () => {
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, skipLibCheck: false, types: [] }, files: ['main.ts'] }),
    );
    writeFileSync(
      join(project, 'main.ts'),
      [
        "import { matMul, setBackend, type Matrix } from 'gr2';",
        "await setBackend('js');",
        'const c: Matrix = await matMul([[1, 2], [3, 4]], [[1, 0], [0, 1]], { transposeA: true });',
        'console.log(JSON.stringify(Array.from(c.data)));',
        '// @ts-expect-error transposeA must be a boolean',
        "void matMul([[1]], [[1]], { transposeA: 'yes' });",
        'export {};',
      ].join('\n'),
    );
    run(bin('tsc'), ['-p', 'tsconfig.json'], project);
    const out = run(bin('tsx'), ['main.ts'], project).trim().split('\n')[0];
    expect(JSON.parse(out!)).toEqual([1, 3, 2, 4]);
  });
});
