// The row-blocked matrix–vector pass (native/src/codegen/matvec.cc) is taken only for an X of at
// least two columns: with one, Xᵀ's rows are contiguous and the interpreter computes Xᵀ·g as a
// dot product (8 lanes), which the pass's row-order accumulation would not reproduce. A one-column
// X written as matmul(transpose(X), g) gives the interpreter's bits at every SIMD level (plain and
// grouped Xᵀ·g), with the values of the TS backend and of the formula; two columns take the pass.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as w from '../src/index.js';
import { compareTiers, runOnBackend } from '../src/backends/index.js';
import { loaded } from '../src/backends/native/loader.js';
import { traceFunction } from '../src/transforms/trace-fn.js';
import { leaveCodegen } from './support/codegen.js';

const addon = loaded.addon;
const d = addon && w.nativeInfo().codegen.available ? describe : describe.skip;
const root = mkdtempSync(path.join(os.tmpdir(), 'wengert-codegen-matvec-'));
const levels = addon ? addon.simdInfo().supported : [];
const sigmoid = (t: number) => 1 / (1 + Math.exp(-t)), softplus = (t: number) => Math.log1p(Math.exp(t));

/** X [m, k] (large, uneven values: a reordered sum shows in the last bits) */
const matrix = (m: number, k: number) => Float64Array.from({ length: m * k }, (_, i) => Math.sin(i) * 1e3 * ((i % 7) + 1));
/** Σ Xᵀ·σ(X·w) + Σ softplus(X·w): the second product written out, so its transpose is folded into it */
function program(X: Float64Array, m: number, k: number) {
  const Xt = w.tensor(X, [m, k]);
  const f = (wv: w.Tensor) => {
    const z = w.matmul(Xt, wv);
    return w.add(w.sum(w.matmul(w.transpose(Xt), w.sigmoid(z))), w.sum(w.softplus(z)));
  };
  return traceFunction(f, [w.tensor(new Float64Array(k), [k, 1])], 'matvec test').graph;
}
/** the formula in float64 */
function formula(X: Float64Array, m: number, k: number, wv: Float64Array): number {
  let s = 0;
  for (let r = 0; r < m; r++) {
    let z = 0;
    for (let c = 0; c < k; c++) z += X[r * k + c] * wv[c];
    for (let c = 0; c < k; c++) s += X[r * k + c] * sigmoid(z);
    s += softplus(z);
  }
  return s;
}
const sources = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.c')).map((f) => readFileSync(path.join(dir, f), 'utf8'));
const hasPass = (c: string) => /static void p_mv\d+\(/.test(c) || /static void p_mv\d+_g\(/.test(c);

d('the matrix–vector pass and a one-column X', () => {
  beforeAll(() => {
    process.env.WENGERT_CODEGEN_QUIET = '1';
    process.env.WENGERT_CODEGEN_KEEP = '1';
    w.setBackend('native', { codegen: 'eager' });
  });
  afterAll(() => leaveCodegen(root));

  // 1100 rows: Xᵀ·g in one group; 5000: by groups of 2048 rows (the grouped pass when k ≥ 2)
  for (const [m, k] of [[1100, 1], [5000, 1], [1100, 2], [5000, 2]]) {
    it(`X [${m}, ${k}]: the interpreter's bits at every SIMD level (${levels.join(', ')}); the pass ${k < 2 ? 'not ' : ''}taken`, async () => {
      const dir = path.join(root, `${m}x${k}`);
      process.env.WENGERT_CACHE_DIR = dir;
      const X = matrix(m, k), wv = Float64Array.from({ length: k }, (_, c) => 3e-4 * (c + 1));
      const g = program(X, m, k);
      const results: number[] = [];
      for (const level of levels) {
        expect(addon!.setSimd(level)).toBe(true);
        expect(await compareTiers(g, [wv])).toBe('compiled');  // bit for bit, else ERR_MISMATCH
        results.push(runOnBackend(g, [wv])[0][0]);
      }
      expect(sources(dir).some(hasPass)).toBe(k >= 2);
      const want = formula(X, m, k, wv);
      for (const r of results) expect(Math.abs(r - want)).toBeLessThan(1e-9 * Math.abs(want) * m);
      w.setBackend('ts');
      const ts = runOnBackend(g, [wv])[0][0];
      w.setBackend('native', { codegen: 'eager' });
      expect(Math.abs(ts - results[0])).toBeLessThan(1e-9 * Math.abs(want) * m);
    }, 300_000);
  }
});
