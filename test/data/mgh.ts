// Moré, Garbow & Hillstrom (1981), "Testing unconstrained optimization software", ACM TOMS 7(1):
// problems 1–21, written here from the published formulas as residual vectors r(x) with
// f(x) = Σ rᵢ(x)², the standard starting points, the published minimum f* and the published
// local minima. Data tables (Bard, Gaussian, Meyer, Kowalik–Osborne, Osborne 1 and 2) are the
// paper's.
import * as w from '../../src/index.js';

type T = w.Tensor;
const { add, sub, mul, div, exp, square, sqrt, atan, abs, pow, at, stack, where, less } = w;

export interface MghProblem {
  id: number;
  name: string;
  x0: number[];
  /** published minimum of f = Σ r² */
  fstar: number;
  /** published values of f at local minimizers (or at infinity) that a method may also reach */
  local: number[];
  residuals: (x: T) => T;
}

const xs = (x: T, n: number) => Array.from({ length: n }, (_, i) => at(x, i));
const range = (a: number, b: number) => Float64Array.from({ length: b - a + 1 }, (_, k) => a + k);

const bardY = [0.14, 0.18, 0.22, 0.25, 0.29, 0.32, 0.35, 0.39, 0.37, 0.58, 0.73, 0.96, 1.34, 2.10, 4.39];
const gaussY = [0.0009, 0.0044, 0.0175, 0.0540, 0.1295, 0.2420, 0.3521, 0.3989, 0.3521, 0.2420, 0.1295, 0.0540, 0.0175, 0.0044, 0.0009];
const meyerY = [34780, 28610, 23650, 19630, 16370, 13720, 11540, 9744, 8261, 7030, 6005, 5147, 4427, 3820, 3307, 2872];
const kowY = [0.1957, 0.1947, 0.1735, 0.1600, 0.0844, 0.0627, 0.0456, 0.0342, 0.0323, 0.0235, 0.0246];
const kowU = [4, 2, 1, 0.5, 0.25, 0.167, 0.125, 0.1, 0.0833, 0.0714, 0.0625];
const osb1Y = [0.844, 0.908, 0.932, 0.936, 0.925, 0.908, 0.881, 0.850, 0.818, 0.784, 0.751, 0.718, 0.685, 0.658, 0.628, 0.603,
  0.580, 0.558, 0.538, 0.522, 0.506, 0.490, 0.478, 0.467, 0.457, 0.448, 0.438, 0.431, 0.424, 0.420, 0.414, 0.411, 0.406];
const osb2Y = [1.366, 1.191, 1.112, 1.013, 0.991, 0.885, 0.831, 0.847, 0.786, 0.725, 0.746, 0.679, 0.608, 0.655, 0.616, 0.606,
  0.602, 0.626, 0.651, 0.724, 0.649, 0.649, 0.694, 0.644, 0.624, 0.661, 0.612, 0.558, 0.533, 0.495, 0.500, 0.423, 0.395, 0.375,
  0.372, 0.391, 0.396, 0.405, 0.428, 0.429, 0.523, 0.562, 0.607, 0.653, 0.672, 0.708, 0.633, 0.668, 0.645, 0.632, 0.591, 0.559,
  0.597, 0.625, 0.739, 0.710, 0.729, 0.720, 0.636, 0.581, 0.428, 0.292, 0.162, 0.098, 0.054];

export const MGH: MghProblem[] = [
  { id: 1, name: 'Rosenbrock', x0: [-1.2, 1], fstar: 0, local: [], residuals: (x) => {
    const [x1, x2] = xs(x, 2);
    return stack([mul(10, sub(x2, square(x1))), sub(1, x1)]);
  } },
  { id: 2, name: 'Freudenstein and Roth', x0: [0.5, -2], fstar: 0, local: [48.9842], residuals: (x) => {
    const [x1, x2] = xs(x, 2);
    return stack([add(-13, add(x1, mul(sub(mul(sub(5, x2), x2), 2), x2))), add(-29, add(x1, mul(sub(mul(add(x2, 1), x2), 14), x2)))]);
  } },
  { id: 3, name: 'Powell badly scaled', x0: [0, 1], fstar: 0, local: [], residuals: (x) => {
    const [x1, x2] = xs(x, 2);
    return stack([sub(mul(1e4, mul(x1, x2)), 1), sub(add(exp(w.neg(x1)), exp(w.neg(x2))), 1.0001)]);
  } },
  { id: 4, name: 'Brown badly scaled', x0: [1, 1], fstar: 0, local: [], residuals: (x) => {
    const [x1, x2] = xs(x, 2);
    return stack([sub(x1, 1e6), sub(x2, 2e-6), sub(mul(x1, x2), 2)]);
  } },
  { id: 5, name: 'Beale', x0: [1, 1], fstar: 0, local: [], residuals: (x) => {
    const [x1, x2] = xs(x, 2);
    return stack([1.5, 2.25, 2.625].map((y, i) => sub(y, mul(x1, sub(1, pow(x2, i + 1))))));
  } },
  { id: 6, name: 'Jennrich and Sampson', x0: [0.3, 0.4], fstar: 124.362, local: [], residuals: (x) => {
    const i = range(1, 10);
    return sub(add(2, mul(2, i)), add(exp(mul(i, at(x, 0))), exp(mul(i, at(x, 1)))));
  } },
  { id: 7, name: 'Helical valley', x0: [-1, 0, 0], fstar: 0, local: [], residuals: (x) => {
    const [x1, x2, x3] = xs(x, 3);
    // θ = arctan(x₂/x₁)/2π, plus ½ when x₁ < 0
    const theta = add(div(atan(div(x2, x1)), 2 * Math.PI), where(less(x1, 0), 0.5, 0));
    return stack([mul(10, sub(x3, mul(10, theta))), mul(10, sub(sqrt(add(square(x1), square(x2))), 1)), x3]);
  } },
  { id: 8, name: 'Bard', x0: [1, 1, 1], fstar: 8.21487e-3, local: [17.4286], residuals: (x) => {
    const u = range(1, 15), v = u.map((ui) => 16 - ui), wv = u.map((ui, k) => Math.min(ui, v[k]));
    return sub(bardY, add(at(x, 0), div(u, add(mul(v, at(x, 1)), mul(wv, at(x, 2))))));
  } },
  { id: 9, name: 'Gaussian', x0: [0.4, 1, 0], fstar: 1.12793e-8, local: [], residuals: (x) => {
    const t = range(1, 15).map((i) => (8 - i) / 2);
    return sub(mul(at(x, 0), exp(mul(-0.5, mul(at(x, 1), square(sub(t, at(x, 2))))))), gaussY);
  } },
  { id: 10, name: 'Meyer', x0: [0.02, 4000, 250], fstar: 87.9458, local: [], residuals: (x) => {
    const t = range(1, 16).map((i) => 45 + 5 * i);
    return sub(mul(at(x, 0), exp(div(at(x, 1), add(t, at(x, 2))))), meyerY);
  } },
  { id: 11, name: 'Gulf research and development', x0: [5, 2.5, 0.15], fstar: 0, local: [], residuals: (x) => {
    const t = range(1, 99).map((i) => i / 100), y = t.map((ti) => 25 + Math.pow(-50 * Math.log(ti), 2 / 3));
    return sub(exp(div(w.neg(pow(abs(sub(y, at(x, 1))), at(x, 2))), at(x, 0))), t);
  } },
  { id: 12, name: 'Box three-dimensional', x0: [0, 10, 20], fstar: 0, local: [], residuals: (x) => {
    const t = range(1, 10).map((i) => 0.1 * i), c = t.map((ti) => Math.exp(-ti) - Math.exp(-10 * ti));
    return sub(sub(exp(mul(w.neg(t), at(x, 0))), exp(mul(w.neg(t), at(x, 1)))), mul(at(x, 2), c));
  } },
  { id: 13, name: 'Powell singular', x0: [3, -1, 0, 1], fstar: 0, local: [], residuals: (x) => {
    const [x1, x2, x3, x4] = xs(x, 4);
    return stack([add(x1, mul(10, x2)), mul(Math.sqrt(5), sub(x3, x4)), square(sub(x2, mul(2, x3))), mul(Math.sqrt(10), square(sub(x1, x4)))]);
  } },
  { id: 14, name: 'Wood', x0: [-3, -1, -3, -1], fstar: 0, local: [], residuals: (x) => {
    const [x1, x2, x3, x4] = xs(x, 4);
    return stack([mul(10, sub(x2, square(x1))), sub(1, x1), mul(Math.sqrt(90), sub(x4, square(x3))), sub(1, x3),
      mul(Math.sqrt(10), sub(add(x2, x4), 2)), mul(1 / Math.sqrt(10), sub(x2, x4))]);
  } },
  { id: 15, name: 'Kowalik and Osborne', x0: [0.25, 0.39, 0.415, 0.39], fstar: 3.07505e-4, local: [1.02734e-3], residuals: (x) => {
    const u2 = kowU.map((u) => u * u);
    return sub(kowY, div(mul(at(x, 0), add(u2, mul(kowU, at(x, 1)))), add(add(u2, mul(kowU, at(x, 2))), at(x, 3))));
  } },
  { id: 16, name: 'Brown and Dennis', x0: [25, 5, -5, -1], fstar: 85822.2, local: [], residuals: (x) => {
    const t = range(1, 20).map((i) => i / 5);
    const a = sub(add(at(x, 0), mul(t, at(x, 1))), t.map(Math.exp));
    const b = sub(add(at(x, 2), mul(t.map(Math.sin), at(x, 3))), t.map(Math.cos));
    return add(square(a), square(b));
  } },
  { id: 17, name: 'Osborne 1', x0: [0.5, 1.5, -1, 0.01, 0.02], fstar: 5.46489e-5, local: [], residuals: (x) => {
    const t = range(0, 32).map((i) => 10 * i);
    return sub(osb1Y, add(add(at(x, 0), mul(at(x, 1), exp(mul(w.neg(t), at(x, 3))))), mul(at(x, 2), exp(mul(w.neg(t), at(x, 4))))));
  } },
  { id: 18, name: 'Biggs EXP6', x0: [1, 2, 1, 1, 1, 1], fstar: 0, local: [5.65565e-3], residuals: (x) => {
    const t = range(1, 13).map((i) => 0.1 * i), y = t.map((ti) => Math.exp(-ti) - 5 * Math.exp(-10 * ti) + 3 * Math.exp(-4 * ti));
    const e = (k: number) => exp(mul(w.neg(t), at(x, k)));
    return sub(add(sub(mul(at(x, 2), e(0)), mul(at(x, 3), e(1))), mul(at(x, 5), e(4))), y);
  } },
  { id: 19, name: 'Osborne 2', x0: [1.3, 0.65, 0.65, 0.7, 0.6, 3, 5, 7, 2, 4.5, 5.5], fstar: 4.01377e-2, local: [], residuals: (x) => {
    const t = range(0, 64).map((i) => i / 10);
    const bump = (a: number, b: number, c: number) => mul(at(x, a), exp(mul(w.neg(square(sub(t, at(x, c)))), at(x, b))));
    return sub(osb2Y, add(add(add(mul(at(x, 0), exp(mul(w.neg(t), at(x, 4)))), bump(1, 5, 8)), bump(2, 6, 9)), bump(3, 7, 10)));
  } },
  { id: 20, name: 'Watson (n = 6)', x0: [0, 0, 0, 0, 0, 0], fstar: 2.28767e-3, local: [], residuals: (x) => {
    const n = 6, t = range(1, 29).map((i) => i / 29);
    // Σ_{j=2}^n (j−1)·x_j·t^{j−2} − (Σ_j x_j·t^{j−1})² − 1
    let s1: T | Float64Array = new Float64Array(29), s2: T | Float64Array = new Float64Array(29);
    for (let j = 1; j <= n; j++) {
      if (j > 1) s1 = add(s1, mul((j - 1) * 1, mul(at(x, j - 1), t.map((ti) => ti ** (j - 2)))));
      s2 = add(s2, mul(at(x, j - 1), t.map((ti) => ti ** (j - 1))));
    }
    const head = sub(sub(s1, square(s2)), 1);
    return w.concat([head, w.reshape(at(x, 0), [1]), w.reshape(sub(sub(at(x, 1), square(at(x, 0))), 1), [1])], 0);
  } },
  { id: 21, name: 'Extended Rosenbrock (n = 10)', x0: [-1.2, 1, -1.2, 1, -1.2, 1, -1.2, 1, -1.2, 1], fstar: 0, local: [], residuals: (x) => {
    const X = w.reshape(x, [5, 2]), a = w.slice(X, [0, 0], [5, 1]), b = w.slice(X, [0, 1], [5, 2]);
    return w.reshape(w.concat([mul(10, sub(b, square(a))), sub(1, a)], 1), [10]);
  } },
];

/** f = Σ r² */
export const objective = (p: MghProblem) => (x: T): T => w.sum(square(p.residuals(x)));

export type MghOutcome = 'f*' | 'local' | 'failed';

/** at the published minimum (5 significant digits, or ≤ 1e−10 when it is 0), at a published local one, or neither */
export function classify(p: MghProblem, f: number): MghOutcome {
  const near = (ref: number) => Number.isFinite(f) && Math.abs(f - ref) <= 1e-5 * Math.abs(ref) + 1e-10;
  if (near(p.fstar)) return 'f*';
  if (p.local.some(near)) return 'local';
  return 'failed';
}
