// L-BFGS-B (minimize with bounds) against scipy's L-BFGS-B: reference solutions in
// test/data/lbfgsb-scipy.json, written by test/data/lbfgsb-scipy.py (Debian python3-scipy, tight
// tolerances) for the bounded problems of test/data/lbfgsb-problems.ts. Same active set and f
// within 1e−10 relative, with default options.
import { it, expect } from 'vitest';
import * as w from '../src/index.js';
import { describeBackends } from './support/backends.js';
import { LBFGSB_FUNCTIONS, scipyReferences, activeSet } from './data/lbfgsb-problems.js';

const refs = scipyReferences();

describeBackends('L-BFGS-B agrees with scipy', () => {
  for (const p of refs.problems) {
    it(p.name, async () => {
      const lower = Float64Array.from(p.lower, (v) => v ?? -Infinity), upper = Float64Array.from(p.upper, (v) => v ?? Infinity);
      const r = await w.minimize(LBFGSB_FUNCTIONS[p.name], Float64Array.from(p.x0), { bounds: { lower, upper } });
      expect(r.converged, r.reason).toBe(true);
      expect(activeSet(r.x, p.lower, p.upper)).toEqual(p.active);
      expect(Math.abs(r.value - p.f)).toBeLessThanOrEqual(1e-10 * Math.abs(p.f));
      // feasible everywhere, and the reported gradient norm is the projected one
      r.x.forEach((v: number, i: number) => { expect(v).toBeGreaterThanOrEqual(lower[i]); expect(v).toBeLessThanOrEqual(upper[i]); });
      const last = r.history.at(-1)!;
      const pg = Math.hypot(...Array.from(r.x as Float64Array, (v, i) => v - Math.min(upper[i], Math.max(lower[i], v - r.gradient[i]))));
      expect(last.gradientNorm).toBeCloseTo(pg, 12);
    });
  }
});
