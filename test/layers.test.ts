// The layers of src/ point one way (CONTRIBUTING.md, "Map of the code"): a module imports only
// from its own layer or the ones below it. Type-only imports count too.
import { it, expect } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const src = path.join(path.dirname(fileURLToPath(import.meta.url)), '../src');
/** lowest first; layers of equal rank may not import each other */
const RANK: Record<string, number> = { core: 0, ops: 1, transforms: 2, plan: 3, backends: 4, api: 5, program: 5, optim: 6, testing: 6, show: 6, '.': 7 };

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => { const p = path.join(dir, f); return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : []; });
}
const layerOf = (file: string) => path.relative(src, file).split(path.sep).slice(0, -1)[0] ?? '.';

it('every import of src/ points to the same layer or a lower one', () => {
  const bad: string[] = [];
  for (const file of files(src)) {
    const from = layerOf(file);
    for (const m of readFileSync(file, 'utf8').matchAll(/from '(\.[^']+)'/g)) {
      const to = layerOf(path.resolve(path.dirname(file), m[1]));
      if (from === to) continue;
      if (!(to in RANK) || !(from in RANK)) { bad.push(`${path.relative(src, file)}: unknown layer of '${m[1]}'`); continue; }
      if (RANK[to] >= RANK[from]) bad.push(`${path.relative(src, file)} (${from}) imports ${m[1]} (${to})`);
    }
  }
  expect(bad).toEqual([]);
});
