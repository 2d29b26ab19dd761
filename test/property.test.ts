// Property-based differential testing: random well-formed programs (test/support/programs.ts: every
// public op, 0-d to 4-d shapes with broadcasting, values from each op's domain and at its kinks)
// run on the TS and native backends, which must agree within a per-depth rounding budget, and
// their gradients must match float64 central differences (and be finite where F is). Programs with
// a where-guarded singular function or an integer power of any base (±0 included) are also checked
// to second order (H·v on both backends and against differences of the gradient), and the operands
// the smooth unary ops saw (up to |x| = 40 for saturating ones) are checked against closed-form
// derivatives. A failure shrinks to a minimal program and prints it with w.show. The deep run (1e5
// cases) is `npm run test:deep`.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import * as w from '../src/index.js';
import { backendRuns } from '../src/backends/index.js';
import { BACKENDS } from './support/backends.js';
import { specArb, checkProgram, checkLocalDerivatives, newTally, build, evaluate, compareEvaluations, DEFAULT_CHECK, OPS, LOCAL, type ProgramSpec } from './support/programs.js';

const opts = { ...DEFAULT_CHECK, backends: BACKENDS };

describe(`random programs agree across backends (${BACKENDS.join(', ')}) and with finite differences`, () => {
  const tally = newTally();
  const before = backendRuns().native;

  it('2,000 short programs (1-8 ops)', () => {
    fc.assert(fc.property(specArb({ maxSteps: 8 }), (s) => { checkProgram(s, opts, tally); }), { numRuns: 2000, seed: 8_2024 });
  });

  it('600 long programs (up to 24 ops)', () => {
    fc.assert(fc.property(specArb({ maxSteps: 24 }), (s) => { checkProgram(s, opts, tally); }), { numRuns: 600, seed: 8_2025 });
  });

  it('every op appears in some program, and most gradients were checked against finite differences', () => {
    const seen = new Set<string>();
    fc.sample(specArb({ maxSteps: 8 }), { numRuns: 2000, seed: 8_2024 }).forEach((s) => s.steps.forEach((st) => seen.add(st.op)));
    expect(OPS.filter((o) => !seen.has(o))).toEqual([]);
    expect(tally.cases).toBe(2600);
    expect(tally.fd.ok).toBeGreaterThan(tally.cases * 0.7);
    if (BACKENDS.includes('native')) expect(backendRuns().native - before).toBeGreaterThanOrEqual(tally.cases);
    expect(tally.second.ok, `second-order outcomes ${JSON.stringify(tally.second)}`).toBeGreaterThan(100);
  });

  it('the smooth unary ops have accurate first and second derivatives at every operand the programs gave them', () => {
    const counts = checkLocalDerivatives(BACKENDS);
    expect(Object.keys(counts).length).toBeGreaterThanOrEqual(15);
    // saturating ops saw large arguments (where 1 − tanh² or σ(1 − σ) would have cancelled)
    for (const op of ['tanh', 'sigmoid', 'softplus']) expect(Math.max(...[...LOCAL.get(op)!].map(Math.abs)), op).toBeGreaterThan(30);
    expect(Math.min(...LOCAL.get('expm1')!), 'expm1').toBeLessThan(-30);
  });

  it('the checker itself fails on a wrong result and shows the program', () => {
    const spec: ProgramSpec = { leaves: [{ shape: [3], values: [0.5, -1, 2] }], steps: [{ op: 'sin', a: 0, b: 0, c: 0, k: 0 }] };
    const b = build(spec);
    const good = evaluate(b, 'ts');
    const bad = { ...good, grads: good.grads.map((g) => g.map((x, i) => (i === 1 ? x * (1 + 1e-9) : x))) };
    expect(() => compareEvaluations(b, good, bad, 'mutated', DEFAULT_CHECK.perEqn)).toThrow(/gradient 0 differs \[1\][\s\S]*%\d+ = sin/);
    expect(() => compareEvaluations(b, good, good, 'same', DEFAULT_CHECK.perEqn)).not.toThrow();
    expect(w.getBackend()).toBe('ts');
  });
});
