/**
 * API reports of every entry point of package.json `exports` (`api/gr2.api.md`, `api/gr2-backend.api.md`, ...),
 * made with `@microsoft/api-extractor` from declarations built with `tsconfig.build.json` (internals stripped).
 *
 * - `tsx scripts/api_report.ts --check`: fails (exit 1) when a report differs from the surface (`npm test`).
 * - `tsx scripts/api_report.ts` (`npm run api:update`): rewrites the reports; commit them with the change.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CompilerState, Extractor, ExtractorConfig, type IConfigFile } from '@microsoft/api-extractor';

const root = resolve(import.meta.dirname, '..');
const check = process.argv.includes('--check');
const out = join(root, '.cache', 'api-dts');
const reportFolder = join(root, 'api');
const tempFolder = join(root, '.cache', 'api-temp');

rmSync(out, { recursive: true, force: true });
execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json', '--outDir', out, '--emitDeclarationOnly'], {
  cwd: root,
  stdio: 'inherit',
});
mkdirSync(reportFolder, { recursive: true });
mkdirSync(tempFolder, { recursive: true });

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, string | { types?: string }> };
const entries: { subpath: string; dts: string; report: string }[] = [];
for (const [subpath, target] of Object.entries(pkg.exports)) {
  if (typeof target === 'string' || target.types === undefined) continue;
  const dts = join(out, target.types.replace(/^\.\/dist\//, ''));
  if (!existsSync(dts)) throw new Error(`api_report: ${dts} (exports['${subpath}']) was not built`);
  const name = subpath === '.' ? 'gr2' : `gr2-${subpath.slice(2).replace(/\//g, '-')}`;
  entries.push({ subpath, dts, report: name });
}

const configFor = (dts: string, report: string): ExtractorConfig => {
  const configObject: IConfigFile = {
    projectFolder: root,
    mainEntryPointFilePath: dts,
    compiler: { tsconfigFilePath: join(root, 'tsconfig.build.json') },
    apiReport: { enabled: true, reportFileName: `${report}.api.md`, reportFolder, reportTempFolder: tempFolder },
    docModel: { enabled: false },
    dtsRollup: { enabled: false },
    tsdocMetadata: { enabled: false },
    messages: {
      compilerMessageReporting: { default: { logLevel: 'warning' } },
      extractorMessageReporting: {
        default: { logLevel: 'warning' },
        'ae-missing-release-tag': { logLevel: 'none' },
        'ae-undocumented': { logLevel: 'none' },
        'ae-unresolved-link': { logLevel: 'none' },
        // a type reachable from the API but not exported is listed in the report (not an error)
        'ae-forgotten-export': { logLevel: 'none', addToApiReportFile: true },
      },
      tsdocMessageReporting: { default: { logLevel: 'none' } },
    },
  };
  return ExtractorConfig.prepare({ configObject, configObjectFullPath: undefined, packageJsonFullPath: join(root, 'package.json') });
};

const first = configFor(entries[0]!.dts, entries[0]!.report);
const typescriptCompilerFolder = join(root, 'node_modules', 'typescript');
const compilerState = CompilerState.create(first, { additionalEntryPoints: entries.map((e) => e.dts), typescriptCompilerFolder });
const changed: string[] = [];
let errors = 0;
for (const e of entries) {
  const result = Extractor.invoke(configFor(e.dts, e.report), {
    localBuild: !check,
    typescriptCompilerFolder,
    compilerState,
    showVerboseMessages: false,
    messageCallback: (m) => {
      // the summary below names the changed reports; the compiler version notice is noise
      if (['console-api-report-changed', 'console-api-report-created', 'console-compiler-version-notice'].includes(m.messageId)) {
        m.logLevel = 'none' as never;
      }
    },
  });
  if (result.apiReportChanged) changed.push(`api/${e.report}.api.md`);
  errors += result.errorCount;
}
if (check && changed.length > 0) {
  console.error(
    `The public API differs from the committed report in ${changed.join(', ')}.\n` +
      `If the change is intended, run 'npm run api:update' and commit the updated api/*.api.md` +
      ` (the new reports are in .cache/api-temp/ for a diff).`,
  );
  process.exit(1);
}
if (errors > 0) {
  console.error(`api_report: ${errors} error(s)`);
  process.exit(1);
}
console.log(check ? `api reports up to date (${entries.length} entry points)` : `api reports written: ${entries.map((e) => `api/${e.report}.api.md`).join(', ')}`);
