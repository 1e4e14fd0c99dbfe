/**
 * Counts the names a package entry point exports (values and types), from its declaration file or source.
 * Usage: tsx scripts/count_exports.ts [entry=src/index.ts] [--list]
 */
import ts from 'typescript';
import { resolve } from 'node:path';

const entry = resolve(process.argv[2] && !process.argv[2].startsWith('--') ? process.argv[2] : 'src/index.ts');
const program = ts.createProgram([entry], { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, strict: true, skipLibCheck: true, stripInternal: true });
const checker = program.getTypeChecker();
const sf = program.getSourceFile(entry)!;
const symbols = checker.getExportsOfModule(checker.getSymbolAtLocation(sf)!);
let values = 0;
const names: string[] = [];
for (const s of symbols) {
  const target = s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s;
  const isValue = (target.flags & ts.SymbolFlags.Value) !== 0;
  if (isValue) values++;
  names.push(`${isValue ? 'value' : 'type '} ${s.name}`);
}
if (process.argv.includes('--list')) console.log(names.sort().join('\n'));
console.log(JSON.stringify({ entry: process.argv[2] ?? 'src/index.ts', exports: symbols.length, values, types: symbols.length - values }));
