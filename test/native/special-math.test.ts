// Accuracy of the special-function kernels (native/src/kernels/special.cc) at every SIMD level:
// max ulp error against long double references (erfl, erfcl, lgammal; erfinv by Newton on erfl;
// digamma by recurrence and its asymptotic series) over each function's main domain — a dense
// grid, random points and the points where the kernels switch pieces — held to the bounds of
// docs/math.md (≤ 4 ulp). Near digamma's positive zero and for negative arguments see
// test/special.test.ts (mpmath references). WENGERT_MATH_REPORT=1 prints the measured table.
import { it, expect, afterAll } from 'vitest';
import { describeNative, rng } from './support.js';

interface MathTest {
  ulpError(name: string, x: Float64Array, got: Float64Array, err: Float64Array): boolean;
  run(level: string, op: string, x: Float64Array, out: Float64Array, reps: number): number;
}

const BOUND = 4;
/** main domains and piece boundaries (src/ops/special.ts) */
const DOMAIN: Record<string, { ranges: [number, number][]; edges: number[] }> = {
  erf: { ranges: [[-6, 6]], edges: [0.5, 1.25, 2.25, 3.5, 6, 1e-300, 1e-10] },
  erfc: { ranges: [[-6, 26]], edges: [0.5, 1.25, 2.25, 3.5, 6, 10, 20, 26, -0.5] },
  erfinv: { ranges: [[-1, 1], [0.99, 1]], edges: [0.5, 1 - 2 ** -20, 1 - 2 ** -40, 1 - 2 ** -53, 1e-300, -(1 - 2 ** -45)] },
  lgamma: { ranges: [[1e-6, 3], [3, 20], [20, 1e6]], edges: [0.5, 1, 2, 3, 8, 1 + 2 ** -30, 2 - 2 ** -30, 1e-300, 1e300] },
  digamma: { ranges: [[0.5, 1.3], [1.6, 10], [10, 1e6]], edges: [0.5, 1, 2, 3, 4.5, 7, 10, 1e-3] },
};
const FNS = Object.keys(DOMAIN);
const up = (x: number) => x + Math.abs(x) * 2 ** -52, down = (x: number) => x - Math.abs(x) * 2 ** -52;

function samples(name: string): Float64Array {
  const { ranges, edges } = DOMAIN[name];
  const r = rng(FNS.indexOf(name) + 301), xs: number[] = [];
  for (const e of edges) xs.push(e, up(e), down(e));
  for (const [lo, hi] of ranges) {
    for (let i = 0; i < 6000; i++) xs.push(lo + ((hi - lo) * i) / 5999);
    for (let i = 0; i < 4000; i++) xs.push(lo + (hi - lo) * r());
  }
  return Float64Array.from(xs.filter((x) => !(name === 'erfinv' && Math.abs(x) >= 1)));
}

describeNative('special-function kernels: max ulp error at every SIMD level', (addon) => {
  const M = (addon as unknown as { _mathTest: MathTest })._mathTest;
  const levels = addon.simdInfo().supported;
  const measured: Record<string, Record<string, number>> = {};
  afterAll(() => {
    if (process.env.WENGERT_MATH_REPORT === '1') {
      console.log([`| function | ${levels.join(' | ')} | bound |`, `|---|${levels.map(() => '---|').join('')}---|`,
        ...FNS.map((f) => `| ${f} | ${levels.map((l) => measured[f]?.[l]?.toFixed(2) ?? '-').join(' | ')} | ${BOUND} |`)].join('\n'));
    }
  });
  for (const f of FNS) {
    it(`${f} ≤ ${BOUND} ulp at ${levels.join(', ')}`, () => {
      const x = samples(f);
      for (const level of levels) {
        const got = new Float64Array(x.length), err = new Float64Array(x.length);
        expect(M.run(level, f, x, got, 1), `${f} has a kernel at ${level}`).toBeGreaterThanOrEqual(0);
        expect(M.ulpError(f, x, got, err)).toBe(true);
        let worst = 0, at = 0;
        err.forEach((e, i) => { if (e > worst) { worst = e; at = i; } });
        (measured[f] ??= {})[level] = worst;
        expect(worst, `${f} at ${level}: ${worst} ulp at x = ${x[at]} (got ${got[at]})`).toBeLessThanOrEqual(BOUND);
      }
    });
  }
});
