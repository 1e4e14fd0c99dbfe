/**
 * Layers of gr2, checked by `npm run deps:check` (part of `npm test`):
 *
 *   foundation  src/errors.ts, src/env.ts, src/registry.ts, src/optional_deps.ts   imports nothing above it
 *   backend     src/backend/**                                    imports only itself and the foundation
 *   modules     src/{sampling,data,metrics,sid,prompt,rewards,rl,generate,...}/**
 *   entry       src/index.ts                                      nothing imports it
 *
 * Modules reach the backend only through its public files (the `gr2/backend` entry `index.ts`, the kernel front
 * doors `ops.ts`, `tensor.ts`, `types.ts`, `registry.ts`, `register_builtins.ts` and the kernel contracts), never
 * the kernel registry or a backend's kernels; only `src/backend/onnx/` imports `onnxruntime-node`.
 *
 * @type {import('dependency-cruiser').IConfiguration}
 */
const FOUNDATION = '^src/(errors|env|registry|optional_deps)[.]ts$';
const BACKEND_PUBLIC = '^src/backend/(index|ops|tensor|types|registry|register_builtins|kernel_contracts)[.]ts$';

module.exports = {
  forbidden: [
    {
      name: 'backend-imports-no-module-above-it',
      comment: 'src/backend is the lowest layer above the foundation: it must not import sid, rl, metrics, ... (move shared contracts into src/backend).',
      severity: 'error',
      from: { path: '^src/backend/' },
      to: { path: '^src/', pathNot: ['^src/backend/', FOUNDATION] },
    },
    {
      name: 'foundation-imports-nothing-above-it',
      comment: 'errors.ts, env.ts and registry.ts are imported by every layer and import none of them.',
      severity: 'error',
      from: { path: FOUNDATION },
      to: { path: '^src/', pathNot: FOUNDATION },
    },
    {
      name: 'kernels-only-through-ops',
      comment: 'Modules reach kernels through src/backend/ops.ts (and the public backend files), never the kernel registry or a backend\'s internals.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/backend/', '^src/index[.]ts$'] },
      to: { path: '^src/backend/', pathNot: BACKEND_PUBLIC },
    },
    {
      name: 'only-backend-onnx-imports-onnxruntime',
      comment: 'ONNX Runtime is loaded by src/backend/onnx only (lazily). env.ts may name ONNX Runtime\'s `Env` type (type-only; erased from the JS).',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/backend/onnx/' },
      to: { path: 'onnxruntime-(node|common|web)', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'only-backend-onnx-imports-onnxruntime-types',
      comment: 'The one type-only exception: env.ts types `env.backends.onnx` as ONNX Runtime\'s `Env`.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/backend/onnx/', '^src/env[.]ts$'] },
      to: { path: 'onnxruntime-(node|common|web)', dependencyTypes: ['type-only'] },
    },
    {
      name: 'nothing-imports-the-root-entry',
      comment: 'src/index.ts only re-exports; importing it from inside creates cycles.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^src/index[.]ts$' },
    },
    {
      name: 'no-circular',
      comment: 'Import cycles between modules (type-only cycles are allowed).',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'not-to-dev-dependency',
      comment: 'src/ ships: it must not import a devDependency (put it in dependencies or an optional peer loaded lazily).',
      severity: 'error',
      from: { path: '^src/' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only', 'npm-peer'] },
    },
    {
      name: 'optional-peers-only-lazily',
      comment: 'An optional peer dependency (@huggingface/transformers) is loaded with import() in src/optional_deps.ts only, so gr2 loads without it.',
      severity: 'error',
      from: { path: '^src/' },
      to: { dependencyTypes: ['npm-peer'], dependencyTypesNot: ['dynamic-import', 'type-only', 'type-import'] },
    },
    {
      name: 'optional-peers-through-optional-deps',
      comment: 'Modules import an optional peer through src/optional_deps.ts (which turns its absence into MissingDependencyError); naming its types is fine.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/optional_deps[.]ts$' },
      to: { dependencyTypes: ['npm-peer'], dependencyTypesNot: ['type-only', 'type-import'] },
    },
    {
      name: 'no-unresolvable',
      severity: 'error',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], extensions: ['.ts', '.js', '.d.ts'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
