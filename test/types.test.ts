// Type-level tests: fixtures under test/types compile with no error (a `@ts-expect-error` line that
// compiles without the expected error is itself an error), with the project's compiler options;
// test/types-no-node/consumer.ts compiles against the emitted declarations WITHOUT @types/node.
import { it, expect } from 'vitest';
import ts from 'typescript';
import { readdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const dir = path.join(here, 'types');
const src = path.join(here, '../src/index.ts');
const base: ts.CompilerOptions = {
  strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext,
  skipLibCheck: true, types: ['node'],
};
const messages = (diags: readonly ts.Diagnostic[]) => diags.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n') +
  (d.file ? ` (${path.basename(d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1})` : ''));

const fixtures = readdirSync(dir).filter((f) => f.endsWith('.ts'));
// one program for every fixture (one type check of src/), diagnostics reported per fixture
let program: ts.Program | undefined;
const programOf = () => (program ??= ts.createProgram([...fixtures.map((f) => path.join(dir, f)), src], base));

it.each(fixtures)('%s type-checks', (file) => {
  const p = programOf();
  const sf = p.getSourceFile(path.join(dir, file))!;
  expect(messages([...p.getSyntacticDiagnostics(sf), ...p.getSemanticDiagnostics(sf)])).toEqual([]);
}, 120_000);

it('src/ itself type-checks under the fixture options', () => {
  expect(messages(ts.getPreEmitDiagnostics(programOf()).filter((d) => !d.file || !fixtures.includes(path.basename(d.file.fileName))))).toEqual([]);
}, 120_000);

it('a consumer without @types/node type-checks against the emitted declarations', () => {
  const out = mkdtempSync(path.join(tmpdir(), 'wengert-dts-'));
  try {
    const emit = ts.createProgram([src], { ...base, noEmit: false, declaration: true, emitDeclarationOnly: true, outDir: out, rootDir: path.join(here, '../src') }).emit();
    expect(messages(emit.diagnostics)).toEqual([]);
    const consumer = path.join(here, 'types-no-node/consumer.ts');
    const p = ts.createProgram([consumer], {
      strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler,
      types: [], lib: ['lib.es2022.d.ts'], skipLibCheck: false, baseUrl: out, paths: { wengert: [path.join(out, 'index.d.ts')] },
    });
    expect(messages(ts.getPreEmitDiagnostics(p))).toEqual([]);
  } finally { rmSync(out, { recursive: true, force: true }); }
}, 120_000);
