/**
 * Lazy loading of optional peer dependencies: the module is imported on first use, and its absence is a
 * {@link MissingDependencyError} naming the install command (not a raw "Cannot find package").
 *
 * @packageDocumentation
 */
import { MissingDependencyError } from './errors.js';

/** @internal The install command of `@huggingface/transformers`, pinned to the version gr2 is tested with. */
export const TRANSFORMERS_INSTALL = 'npm install @huggingface/transformers@4.3.1';

const isModuleNotFound = (e: unknown, packageName: string): boolean => {
  const code = (e as { code?: unknown } | null)?.code;
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && String((e as Error).message).includes(packageName);
};

/**
 * @internal Runs `load` (an `import()` of `packageName`); a missing package becomes a {@link MissingDependencyError}
 * naming `install`; any other failure (the package is there but broken) is rethrown unchanged.
 */
export async function importOptional<T>(fn: string, packageName: string, install: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (e) {
    if (isModuleNotFound(e, packageName)) throw new MissingDependencyError(packageName, install, fn, { cause: e });
    throw e;
  }
}

/** @internal `@huggingface/transformers`, imported on first use (an optional peer dependency of gr2). */
export function importTransformers(fn: string): Promise<typeof import('@huggingface/transformers')> {
  return importOptional(fn, '@huggingface/transformers', TRANSFORMERS_INSTALL, () => import('@huggingface/transformers'));
}
