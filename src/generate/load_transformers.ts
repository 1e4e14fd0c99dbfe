/**
 * The lazy import of `@huggingface/transformers`, an optional peer dependency: nothing in gr2 imports it statically,
 * so `gr2` loads without it and only local generation needs it. Kept in its own module so that no public
 * declaration file refers to its types.
 *
 * @packageDocumentation
 * @internal
 */
import { importOptional, TRANSFORMERS_INSTALL } from '../optional_deps.js';

/** @internal The module's type. */
export type Transformers = typeof import('@huggingface/transformers');

/**
 * @internal Imports `@huggingface/transformers` on first use, or throws a `MissingDependencyError` naming the install
 * command; `importer` replaces the real import (tests).
 */
export function loadTransformers(
  fn: string,
  importer: () => Promise<unknown> = () => import('@huggingface/transformers'),
): Promise<Transformers> {
  return importOptional(fn, '@huggingface/transformers', TRANSFORMERS_INSTALL, importer) as Promise<Transformers>;
}
