// Accuracy of the vector transcendental kernels (native/src/kernels/math.cc) at every SIMD level:
// max ulp error against long double (x87 80-bit) libm over each function's domain — a dense grid,
// random points, log-uniform magnitudes over the whole double range, and the thresholds where the
// kernels switch formula or fall back to libm — held to the bounds of docs/math.md; special values
// exact; tails and in-place rows; programs (unary and fused steps) run these kernels; pow too.
// WENGERT_MATH_REPORT=1 prints the measured table (docs/math.md), WENGERT_MATH_SAMPLES=k samples k× more.
import { it, expect, afterAll } from 'vitest';
import * as w from '../../src/index.js';
import { REGISTRY } from '../../src/ops/registry.js';
import { NativeProgram } from '../../src/backends/native/program.js';
import { traceFunction } from '../../src/transforms/trace-fn.js';
import { describeNative, oneOp, rng } from './support.js';

interface MathTest {
  /** err[i] = |got[i] − name(x[i])| (pow: name(x[i], y[i])) in ulps of the long double reference */
  ulpError(name: string, x: Float64Array, got: Float64Array, err: Float64Array, y?: Float64Array): boolean;
  /** out = op(x) (op(x, y)) by that level's unary (binary) kernel, reps times; ns per element */
  run(level: string, op: string, x: Float64Array, out: Float64Array, reps: number, y?: Float64Array): number;
}

/** promised max ulp error (docs/math.md); pow: POW_BOUND */
const BOUND: Record<string, number> = {
  exp: 2, expm1: 2, log: 2, log1p: 2, sin: 2, cos: 2, tan: 3, atan: 2,
  tanh: 3, sigmoid: 3, softplus: 3, sinh: 3, cosh: 3,
};
const FNS = Object.keys(BOUND);
const POW_BOUND = 2;

const MIN_NORMAL = 2 ** -1022, MAX = Number.MAX_VALUE, TINY = 2 ** -1074;
const up = (x: number) => x + Math.abs(x) * 2 ** -52;
const down = (x: number) => x - Math.abs(x) * 2 ** -52;
const around = (...xs: number[]) => xs.flatMap((x) => [x, up(x), down(x), -x, -up(x), -down(x)]);

/** main domain [lo, hi] (dense grid and random points) and the points where the kernels switch */
const DOMAIN: Record<string, { lo: number; hi: number; edges: number[] }> = {
  exp: { lo: -746, hi: 710, edges: around(708, 709.782712893384, 745.1332191019411, 708.3964185322641, Math.LN2 / 2) },
  expm1: { lo: -40, hi: 710, edges: around(708, 709.782712893384, 37.42994775023705, 0.5 * Math.LN2, 0.39) },
  log: { lo: 0, hi: 4, edges: [MIN_NORMAL, up(MIN_NORMAL), down(MIN_NORMAL), TINY, MAX, Math.SQRT2, up(Math.SQRT2), down(Math.SQRT2), Math.SQRT1_2, up(1), down(1)] },
  log1p: { lo: -1, hi: 4, edges: [-0.2928, 0.4142, up(-1), -1 + 2 ** -30, Math.SQRT2 - 1, Math.SQRT1_2 - 1, 1, 2 ** 53, MAX, TINY, -TINY] },
  sin: { lo: -10, hi: 10, edges: around(2 ** 20, Math.PI / 4, Math.PI / 2, Math.PI, 1e5, 1e6, 1e22, MAX) },
  cos: { lo: -10, hi: 10, edges: around(2 ** 20, Math.PI / 4, Math.PI / 2, Math.PI, 1e5, 1e6, 1e22, MAX) },
  tan: { lo: -10, hi: 10, edges: around(2 ** 20, Math.PI / 4, Math.PI / 2, Math.PI, 1e5, 1e6, 1e22, MAX) },
  atan: { lo: -10, hi: 10, edges: around(0.4375, 0.6875, 1.1875, 2.4375, 2 ** 66, MAX, TINY) },
  tanh: { lo: -20, hi: 20, edges: around(0.45, 22, 19.06, MAX, TINY) },
  sigmoid: { lo: -750, hi: 40, edges: around(708, 745.1332191019411, 36.7, MAX) },
  softplus: { lo: -750, hi: 750, edges: around(708, 745.1332191019411, 36.7, MAX) },
  sinh: { lo: -712, hi: 712, edges: around(1, 708, 710.4758600739439, 22, MAX) },
  cosh: { lo: -712, hi: 712, edges: around(0.3465, 708, 710.4758600739439, 22, MAX) },
};

/** exactly specified values (JS Math semantics; libm agrees) */
const SPECIAL: Record<string, [number, number][]> = {
  exp: [[0, 1], [-0, 1], [Infinity, Infinity], [-Infinity, 0], [NaN, NaN], [710, Infinity], [-746, 0]],
  expm1: [[0, 0], [-0, -0], [Infinity, Infinity], [-Infinity, -1], [NaN, NaN], [710, Infinity], [-40, -1]],
  log: [[1, 0], [0, -Infinity], [-0, -Infinity], [-1, NaN], [Infinity, Infinity], [-Infinity, NaN], [NaN, NaN]],
  log1p: [[0, 0], [-0, -0], [-1, -Infinity], [-2, NaN], [Infinity, Infinity], [-Infinity, NaN], [NaN, NaN]],
  sin: [[0, 0], [-0, -0], [Infinity, NaN], [-Infinity, NaN], [NaN, NaN]],
  cos: [[0, 1], [-0, 1], [Infinity, NaN], [-Infinity, NaN], [NaN, NaN]],
  tan: [[0, 0], [-0, -0], [Infinity, NaN], [-Infinity, NaN], [NaN, NaN]],
  atan: [[0, 0], [-0, -0], [Infinity, Math.PI / 2], [-Infinity, -Math.PI / 2], [NaN, NaN], [1, Math.PI / 4]],
  tanh: [[0, 0], [-0, -0], [Infinity, 1], [-Infinity, -1], [NaN, NaN], [30, 1], [-30, -1]],
  sigmoid: [[0, 0.5], [-0, 0.5], [Infinity, 1], [-Infinity, 0], [NaN, NaN], [40, 1]],
  softplus: [[0, Math.LN2], [-0, Math.LN2], [Infinity, Infinity], [-Infinity, 0], [NaN, NaN], [800, 800]],
  sinh: [[0, 0], [-0, -0], [Infinity, Infinity], [-Infinity, -Infinity], [NaN, NaN], [711, Infinity], [-711, -Infinity]],
  cosh: [[0, 1], [-0, 1], [Infinity, Infinity], [-Infinity, Infinity], [NaN, NaN], [711, Infinity]],
};

// WENGERT_MATH_SAMPLES=k takes k times as many points (docs/math.md was measured with k = 20)
const SCALE = Math.max(1, Number(process.env.WENGERT_MATH_SAMPLES ?? 1) || 1);
const N_GRID = 60_000 * SCALE, N_RANDOM = 40_000 * SCALE, N_LOG = 60_000 * SCALE;

/** the sample points of one function */
function samples(name: string): Float64Array {
  const { lo, hi, edges } = DOMAIN[name];
  const rand = rng(FNS.indexOf(name) + 101);
  const xs: number[] = [...edges, ...SPECIAL[name].map(([x]) => x)];
  for (let i = 0; i <= N_GRID; i++) xs.push(lo + ((hi - lo) * i) / N_GRID);
  for (let i = 0; i < N_RANDOM; i++) xs.push(lo + (hi - lo) * rand());
  // magnitudes 2^-1074 … 2^1024, both signs (log: positive; log1p: above −1)
  for (let i = 0; i < N_LOG; i++) {
    let x = 2 ** (-1074 + 2098 * rand()) * (1 + rand());
    if (!Number.isFinite(x)) x = MAX;
    if (rand() < 0.5 && name !== 'log') x = name === 'log1p' ? -Math.min(x, 1 - 2 ** -53) : -x;
    xs.push(x);
  }
  if (name === 'log1p') for (let e = 1; e <= 53; e++) xs.push(-1 + 2 ** -e, -1 + 2 ** -e * (1 + rand()));
  if (name === 'sin' || name === 'cos' || name === 'tan') {
    // close to multiples of π/2 (cancellation in the reduction), up to and beyond the 2^20 fallback
    for (let k = 1; k < 20_000 * SCALE; k++) xs.push(k * (Math.PI / 2), -k * (Math.PI / 2), up(k * (Math.PI / 2)));
    for (let i = 0; i < 20_000 * SCALE; i++) xs.push((rand() - 0.5) * 2e6, (rand() - 0.5) * 2e5);
    for (const k of [102_000, 355_000, 411_000, 667_000, 6_000_000, 2 ** 40]) xs.push(k * (Math.PI / 2));
  }
  return Float64Array.from(xs);
}

/** JS Math.pow special cases (the vector kernel sends them to the scalar JS-semantics pow) */
const POW_SPECIAL: [number, number, number][] = [
  [NaN, 0, 1], [1, NaN, NaN], [1, Infinity, NaN], [-1, -Infinity, NaN], [0, -1, Infinity], [-0, -1, -Infinity],
  [-0, 3, -0], [-8, 1 / 3, NaN], [2, 1024, Infinity], [2, -1075, 0], [-2, 3, -8], [4, 0.5, 2], [Infinity, -1, 0],
  [-Infinity, 3, -Infinity], [0.5, Infinity, 0], [2, -Infinity, 0], [1, 1e308, 1], [2, 0.5, Math.SQRT2], [10, 2, 100],
];

/** (x, y) pairs: random bases and exponents, results up to and beyond the overflow/underflow edges */
function powSamples(): [Float64Array, Float64Array] {
  const rand = rng(77);
  const xs: number[] = [], ys: number[] = [];
  const push = (x: number, y: number) => { xs.push(x); ys.push(y); };
  for (const [x, y] of POW_SPECIAL) push(x, y);
  const n = 40_000 * SCALE;
  for (let i = 0; i < n; i++) {
    push(rand() * 10, (rand() - 0.5) * 20);
    push(2 ** (-1074 + 2098 * rand()), (rand() - 0.5) * 2);
    push(1 + (rand() - 0.5) * 2e-3, (rand() - 0.5) * 1.5e6);  // |y·log x| up to ~750
    push(rand() * 3, Math.round((rand() - 0.5) * 60));
    push(-rand() * 3, Math.round((rand() - 0.5) * 60));  // negative bases: integer exponents
    const x = 2 ** (-60 + 120 * rand());
    push(x, ((rand() - 0.5) * 1500) / Math.max(1e-3, Math.abs(Math.log(x))));
  }
  return [Float64Array.from(xs), Float64Array.from(ys)];
}

describeNative('vector math kernels: max ulp error at every SIMD level', (addon) => {
  const M = (addon as unknown as { _mathTest: MathTest })._mathTest;
  const levels = addon.simdInfo().supported;
  const initial = addon.simdInfo().level;
  const measured: Record<string, Record<string, number>> = {};
  afterAll(() => {
    addon.setSimd(initial);
    if (process.env.WENGERT_MATH_REPORT === '1') {
      const rows = [...FNS, 'pow'].map((f) => `| ${f} | ${levels.map((l) => measured[f]?.[l]?.toFixed(3) ?? '-').join(' | ')} | ${BOUND[f] ?? POW_BOUND} |`);
      console.log([`| function | ${levels.join(' | ')} | bound |`, `|---|${levels.map(() => '---|').join('')}---|`, ...rows].join('\n'));
    }
  });

  const cache = new Map<string, Float64Array>();
  const xsOf = (f: string) => { if (!cache.has(f)) cache.set(f, samples(f)); return cache.get(f)!; };

  for (const level of levels) {
    for (const f of FNS) {
      it(`${f} [${level}] within ${BOUND[f]} ulp, special values exact`, () => {
        const x = xsOf(f);
        const got = new Float64Array(x.length), err = new Float64Array(x.length);
        expect(M.run(level, f, x, got, 1)).toBeGreaterThanOrEqual(0);
        expect(M.ulpError(f, x, got, err)).toBe(true);
        let worst = 0, at = 0;
        for (let i = 0; i < x.length; i++) if (!(err[i] <= worst)) { worst = err[i]; at = i; }
        (measured[f] ??= {})[level] = worst;
        expect(worst, `${f}(${x[at]}) = ${got[at]}: ${worst} ulp`).toBeLessThanOrEqual(BOUND[f]);
        for (const [xi, want] of SPECIAL[f]) {
          const one = new Float64Array(1);
          M.run(level, f, Float64Array.of(xi), one, 1);
          expect(Object.is(one[0], want), `${f}(${xi}) = ${one[0]}, expected ${want}`).toBe(true);
        }
      });
    }

    it(`pow [${level}] within ${POW_BOUND} ulp, JS special cases exact, broadcast operands`, () => {
      const [x, y] = powSamples();
      const got = new Float64Array(x.length), err = new Float64Array(x.length);
      expect(M.run(level, 'pow', x, got, 1, y)).toBeGreaterThanOrEqual(0);
      expect(M.ulpError('pow', x, got, err, y)).toBe(true);
      let worst = 0, at = 0;
      for (let i = 0; i < x.length; i++) if (!(err[i] <= worst)) { worst = err[i]; at = i; }
      (measured.pow ??= {})[level] = worst;
      expect(worst, `pow(${x[at]}, ${y[at]}) = ${got[at]}: ${worst} ulp`).toBeLessThanOrEqual(POW_BOUND);
      for (let i = 0; i < POW_SPECIAL.length; i++) {
        const [xi, yi, want] = POW_SPECIAL[i];
        expect(Object.is(got[i], want), `pow(${xi}, ${yi}) = ${got[i]}, expected ${want}`).toBe(true);
        expect(Object.is(Math.pow(xi, yi), want)).toBe(true);
      }
      // a broadcast base or exponent (stride 0) through programs: the same values as full rows
      expect(addon.setSimd(level)).toBe(true);
      const pow = REGISTRY.find((o) => o.name === 'pow')!;
      const n = 1001, xs = x.subarray(0, n), ys = y.subarray(0, n);
      for (const [shapes, ins, bx, by] of [
        [[[n], []], [xs, ys.subarray(5, 6)], xs, new Float64Array(n).fill(ys[5])],
        [[[], [n]], [xs.subarray(7, 8), ys], new Float64Array(n).fill(xs[7]), ys],
        [[[n], [n]], [xs, ys], xs, ys],
      ] as [number[][], Float64Array[], Float64Array, Float64Array][]) {
        const want = new Float64Array(n);
        M.run(level, 'pow', Float64Array.from(bx), want, 1, Float64Array.from(by));
        const out = new NativeProgram(addon, oneOp(pow, shapes, undefined)).run(ins.map((a) => Float64Array.from(a)))[0];
        expect(Array.from(out)).toEqual(Array.from(want));
      }
    });

    it(`rows of every length, every lane position, in place [${level}]`, () => {
      for (const f of FNS) {
        // specials and fallback lanes at every position of rows of length 1…19
        const pool = [...SPECIAL[f].map(([x]) => x), 0.3, -1.7, 2.5, 1e-300, DOMAIN[f].edges[0]];
        const single = pool.map((v) => { const one = new Float64Array(1); M.run(level, f, Float64Array.of(v), one, 1); return one[0]; });
        for (let n = 1; n < 20; n++) {
          for (let shift = 0; shift < pool.length; shift++) {
            const x = Float64Array.from({ length: n }, (_, i) => pool[(i + shift) % pool.length]);
            const out = new Float64Array(n);
            M.run(level, f, x, out, 1);
            const inPlace = x.slice();
            M.run(level, f, inPlace, inPlace, 1);
            for (let i = 0; i < n; i++) {
              const want = single[(i + shift) % pool.length];
              expect(Object.is(out[i], want), `${f} row ${n} lane ${i}: ${f}(${x[i]}) = ${out[i]}, alone ${want}`).toBe(true);
              expect(Object.is(inPlace[i], out[i]), `${f} in place, row ${n} lane ${i}`).toBe(true);
            }
          }
        }
      }
    });

    it(`programs run these kernels, unary and fused [${level}] `, () => {
      expect(addon.setSimd(level)).toBe(true);
      const rand = rng(5);
      const n = 1003;
      for (const f of FNS) {
        const op = REGISTRY.find((o) => o.name === f)!;
        const x = Float64Array.from({ length: n }, () => (rand() - 0.5) * 8);
        const direct = new Float64Array(n);
        M.run(level, f, x, direct, 1);
        const unary = new NativeProgram(addon, oneOp(op, [[n]], undefined)).run([x])[0];
        expect(Array.from(unary)).toEqual(Array.from(direct));
        // in a fused chain: −f(x)
        const fn = (w as unknown as Record<string, (t: w.Tensor) => w.Tensor>)[f];
        const g = traceFunction((t: w.Tensor) => w.neg(fn(t)), [w.tensor(x)], f).graph;
        const prog = new NativeProgram(addon, g);
        expect(prog.planned.eqns.some((e) => e.op.name === 'fused'), `${f}: chain was not fused`).toBe(true);
        expect(Array.from(prog.run([x])[0])).toEqual(Array.from(direct, (v) => -v));
      }
    });
  }
});
