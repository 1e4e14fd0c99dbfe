/**
 * Every ```ts block of README.md and docs/**.md is a program that type-checks against the library (strict, as the
 * repository's tsconfig.json) and runs as written: each block is written to .cache/doc-blocks/ as a module,
 * type-checked with the TypeScript compiler, then imported (so `import … from 'gr2'` resolves to the sources
 * through the vitest alias, as it does for tsc through tsconfig.json "paths").
 *
 * A block that cannot run (e.g. it needs a GPU) is preceded by the line `<!-- doc-test: skip — <reason> -->`; the
 * reason is required.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..', '..');
const out = join(root, '.cache', 'doc-blocks');

interface Block {
  doc: string;
  line: number;
  code: string;
  skip: string | null;
  file: string;
}

function markdownFiles(dir: string): string[] {
  const files: string[] = [];
  for (const e of readdirSync(join(root, dir), { withFileTypes: true })) {
    const rel = join(dir, e.name);
    if (e.isDirectory() && e.name !== 'api') files.push(...markdownFiles(rel));
    else if (e.isFile() && e.name.endsWith('.md')) files.push(rel);
  }
  return files;
}

/** The ```ts / ```typescript blocks of a Markdown file, with their 1-based line and skip marker. */
export function extractBlocks(doc: string, text: string): Omit<Block, 'file'>[] {
  const lines = text.split('\n');
  const blocks: Omit<Block, 'file'>[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(ts|typescript)\s*$/.test(lines[i]!)) continue;
    let j = i + 1;
    while (j < lines.length && !/^```\s*$/.test(lines[j]!)) j++;
    let k = i - 1;
    while (k >= 0 && lines[k]!.trim() === '') k--;
    const marker = k >= 0 ? /^<!--\s*doc-test:\s*skip\s*(?:—|-|:)\s*(.*?)\s*-->$/.exec(lines[k]!) : null;
    blocks.push({ doc, line: i + 1, code: lines.slice(i + 1, j).join('\n'), skip: marker ? marker[1]! : null });
    i = j;
  }
  return blocks;
}

const docs = ['README.md', ...markdownFiles('docs')];
const blocks: Block[] = docs.flatMap((doc) =>
  extractBlocks(doc, readFileSync(join(root, doc), 'utf8')).map((b) => ({
    ...b,
    file: join(out, `${doc.replace(/[^A-Za-z0-9]+/g, '_')}_L${b.line}.ts`),
  })),
);
const diagnostics = new Map<string, string[]>();

beforeAll(() => {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  for (const b of blocks) writeFileSync(b.file, `${b.code}\nexport {};\n`);
  const config = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })!;
  const runnable = blocks.filter((b) => b.skip === null).map((b) => b.file);
  const program = ts.createProgram(runnable, { ...config.options, noEmit: true });
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const file = d.file?.fileName ?? '';
    const list = diagnostics.get(resolve(file)) ?? [];
    const pos = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : null;
    list.push(`${pos ? `line ${pos.line + 1}: ` : ''}${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    diagnostics.set(resolve(file), list);
  }
}, 300_000);

describe('code blocks of README.md and docs/ type-check and run', () => {
  it('finds the blocks, and every skipped block states its reason', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(10);
    expect(blocks.some((b) => b.doc === 'README.md' && b.skip === null)).toBe(true);
    for (const b of blocks) if (b.skip !== null) expect(b.skip.length, `${b.doc}:${b.line} skip marker without a reason`).toBeGreaterThan(10);
  });

  it('the extractor reads fences, the skip marker and its reason', () => {
    const md = 'text\n\n<!-- doc-test: skip — needs a GPU machine -->\n```ts\nconst a = 1;\n```\n```ts\nconst b = 2;\n```\n```sh\nls\n```\n';
    expect(extractBlocks('x.md', md)).toEqual([
      { doc: 'x.md', line: 4, code: 'const a = 1;', skip: 'needs a GPU machine' },
      { doc: 'x.md', line: 7, code: 'const b = 2;', skip: null },
    ]);
  });

  for (const b of blocks) {
    const name = `${b.doc}:${b.line}`;
    if (b.skip !== null) {
      it.skip(`${name} (skipped: ${b.skip})`, () => {});
      continue;
    }
    it(`${name} type-checks and runs`, async () => {
      const errors = diagnostics.get(resolve(b.file)) ?? [];
      expect(errors, `${name} (${relative(root, b.file)}) does not type-check`).toEqual([]);
      await import(pathToFileURL(b.file).href);
    });
  }
});
