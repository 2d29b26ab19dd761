// Type-level tests: fixtures under test/types compile with no error (a `@ts-expect-error` line that
// compiles without the expected error is itself an error), with the project's compiler options.
import { it, expect } from 'vitest';
import ts from 'typescript';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'types');

it.each(readdirSync(dir).filter((f) => f.endsWith('.ts')))('%s type-checks', (file) => {
  const program = ts.createProgram([path.join(dir, file), path.join(dir, '../../src/index.ts')], {
    strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext,
    skipLibCheck: true, types: ['node'],
  });
  const diags = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n') + (d.file ? ` (${path.basename(d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1})` : ''));
  expect(diags).toEqual([]);
}, 60_000);
