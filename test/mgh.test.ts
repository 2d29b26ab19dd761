// Moré–Garbow–Hillstrom problems 1–21 (test/data/mgh.ts) from their standard starting points:
// w.minimize (L-BFGS) with default options must reach the published minimum f* on ≥ 18 and a
// published local minimum on the rest — none may fail. w.leastSquares on the same residuals too.
import { it, expect } from 'vitest';
import * as w from '../src/index.js';
import { describeBackends } from './support/backends.js';
import { MGH, objective, classify, type MghOutcome } from './data/mgh.js';

describeBackends('Moré–Garbow–Hillstrom 1–21', () => {
  const byMinimize = new Map<number, MghOutcome>();

  for (const p of MGH) {
    it(`${p.id}. ${p.name}`, async () => {
      const r = await w.minimize(objective(p), Float64Array.from(p.x0));
      const outcome = classify(p, r.value);
      byMinimize.set(p.id, outcome);
      expect(outcome, `minimize: f = ${r.value} (${r.reason}), f* = ${p.fstar}`).not.toBe('failed');
      expect(r.x.every(Number.isFinite)).toBe(true);
      const l = await w.leastSquares(p.residuals, Float64Array.from(p.x0));
      expect(classify(p, 2 * l.cost), `leastSquares: f = ${2 * l.cost} (${l.reason}), f* = ${p.fstar}`).not.toBe('failed');
    });
  }

  it('minimize reaches f* on at least 18 of 21', () => {
    expect(byMinimize.size).toBe(21);
    expect([...byMinimize.values()].filter((o) => o === 'f*').length).toBeGreaterThanOrEqual(18);
  });
});
