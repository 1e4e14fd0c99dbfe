/**
 * The lazy import of `@huggingface/transformers`, an optional peer dependency: nothing in gr2 imports it statically,
 * so `gr2` loads without it and only local generation needs it. Kept in its own module so that no public
 * declaration file refers to its types.
 *
 * @packageDocumentation
 * @internal
 */
import { Gr2Error } from '../errors.js';

/** @internal The module's type. */
export type Transformers = typeof import('@huggingface/transformers');

/** The install command named when `@huggingface/transformers` is missing. */
const INSTALL_HINT = 'npm install @huggingface/transformers@4.3.1 onnxruntime-node@1.30.0';

/** @internal Imports `@huggingface/transformers` on first use, or throws a `Gr2Error` naming the install command. */
export async function loadTransformers(fn: string, importer: () => Promise<unknown> = () => import('@huggingface/transformers')): Promise<Transformers> {
  try {
    return (await importer()) as Transformers;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new Gr2Error(`${fn}: local generation needs the optional peer dependency '@huggingface/transformers'; run '${INSTALL_HINT}'.`, {
        cause: err,
      });
    }
    throw err;
  }
}

