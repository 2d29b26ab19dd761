// NIST StRD nonlinear regression problems (test/data/nist/*.dat, see README.md there): the data
// files parsed, each model written with wengert ops as residuals r(b; x, y) = model(b, x) − y, and
// the log relative error (LRE) used to score a fit against the certified values.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as w from '../../src/index.js';

type T = w.Tensor;
const { add, sub, mul, div, exp, pow, square, neg, cos, sin, atan, log } = w;

export type Difficulty = 'lower' | 'average' | 'higher';

export interface NistProblem {
  name: string;
  difficulty: Difficulty;
  /** two certified starting points */
  starts: [number[], number[]];
  certified: number[];
  certifiedSd: number[];
  certifiedRss: number;
  /** predictors, one array per predictor column (x, or x1 and x2 for Nelson) */
  x: Float64Array[];
  y: Float64Array;
  /** residuals(b, ...x, y): b a Tensor [n] */
  residuals: (b: T, ...data: T[]) => T;
}

const b = (p: T, i: number) => w.at(p, i);
const PI = Math.PI;

/** model(b, x) for each problem (the formulas of the .dat files) */
const MODELS: Record<string, (p: T, x: T, x2?: T) => T> = {
  Misra1a: (p, x) => mul(b(p, 0), sub(1, exp(mul(neg(b(p, 1)), x)))),
  Chwirut1: (p, x) => div(exp(mul(neg(b(p, 0)), x)), add(b(p, 1), mul(b(p, 2), x))),
  Chwirut2: (p, x) => div(exp(mul(neg(b(p, 0)), x)), add(b(p, 1), mul(b(p, 2), x))),
  Lanczos1: lanczos, Lanczos2: lanczos, Lanczos3: lanczos,
  Gauss1: gauss, Gauss2: gauss, Gauss3: gauss,
  DanWood: (p, x) => mul(b(p, 0), pow(x, b(p, 1))),
  Misra1b: (p, x) => mul(b(p, 0), sub(1, pow(add(1, div(mul(b(p, 1), x), 2)), -2))),
  Kirby2: (p, x) => div(add(add(b(p, 0), mul(b(p, 1), x)), mul(b(p, 2), square(x))), add(add(1, mul(b(p, 3), x)), mul(b(p, 4), square(x)))),
  Hahn1: rational33, Thurber: rational33,
  Nelson: (p, x1, x2) => sub(b(p, 0), mul(mul(b(p, 1), x1), exp(mul(neg(b(p, 2)), x2!)))),
  MGH17: (p, x) => add(add(b(p, 0), mul(b(p, 1), exp(mul(neg(x), b(p, 3))))), mul(b(p, 2), exp(mul(neg(x), b(p, 4))))),
  Misra1c: (p, x) => mul(b(p, 0), sub(1, pow(add(1, mul(mul(2, b(p, 1)), x)), -0.5))),
  Misra1d: (p, x) => div(mul(mul(b(p, 0), b(p, 1)), x), add(1, mul(b(p, 1), x))),
  Roszman1: (p, x) => sub(sub(b(p, 0), mul(b(p, 1), x)), div(atan(div(b(p, 2), sub(x, b(p, 3)))), PI)),
  ENSO: (p, x) => {
    const c = (k: number, period: T | number) => mul(b(p, k), cos(div(mul(2 * PI, x), period)));
    const s = (k: number, period: T | number) => mul(b(p, k), sin(div(mul(2 * PI, x), period)));
    return add(add(add(add(add(add(b(p, 0), c(1, 12)), s(2, 12)), c(4, b(p, 3))), s(5, b(p, 3))), c(7, b(p, 6))), s(8, b(p, 6)));
  },
  MGH09: (p, x) => div(mul(b(p, 0), add(square(x), mul(x, b(p, 1)))), add(add(square(x), mul(x, b(p, 2))), b(p, 3))),
  BoxBOD: (p, x) => mul(b(p, 0), sub(1, exp(mul(neg(b(p, 1)), x)))),
  Rat42: (p, x) => div(b(p, 0), add(1, exp(sub(b(p, 1), mul(b(p, 2), x))))),
  MGH10: (p, x) => mul(b(p, 0), exp(div(b(p, 1), add(x, b(p, 2))))),
  Eckerle4: (p, x) => mul(div(b(p, 0), b(p, 1)), exp(mul(-0.5, square(div(sub(x, b(p, 2)), b(p, 1)))))),
  Rat43: (p, x) => div(b(p, 0), pow(add(1, exp(sub(b(p, 1), mul(b(p, 2), x)))), div(1, b(p, 3)))),
  Bennett5: (p, x) => mul(b(p, 0), pow(add(b(p, 1), x), div(-1, b(p, 2)))),
};

function lanczos(p: T, x: T): T {
  return add(add(mul(b(p, 0), exp(mul(neg(b(p, 1)), x))), mul(b(p, 2), exp(mul(neg(b(p, 3)), x)))), mul(b(p, 4), exp(mul(neg(b(p, 5)), x))));
}
function gauss(p: T, x: T): T {
  const bump = (a: number, c: number, wd: number) => mul(b(p, a), exp(neg(div(square(sub(x, b(p, c))), square(b(p, wd))))));
  return add(add(mul(b(p, 0), exp(mul(neg(b(p, 1)), x))), bump(2, 3, 4)), bump(5, 6, 7));
}
function rational33(p: T, x: T): T {
  const x2 = square(x), x3 = mul(x2, x);
  const num = add(add(add(b(p, 0), mul(b(p, 1), x)), mul(b(p, 2), x2)), mul(b(p, 3), x3));
  const den = add(add(add(1, mul(b(p, 4), x)), mul(b(p, 5), x2)), mul(b(p, 6), x3));
  return div(num, den);
}

export const NIST_NAMES = [
  'Misra1a', 'Chwirut2', 'Chwirut1', 'Lanczos3', 'Gauss1', 'Gauss2', 'DanWood', 'Misra1b',
  'Kirby2', 'Hahn1', 'Nelson', 'MGH17', 'Lanczos1', 'Lanczos2', 'Gauss3', 'Misra1c', 'Misra1d', 'Roszman1', 'ENSO',
  'MGH09', 'Thurber', 'BoxBOD', 'Rat42', 'MGH10', 'Eckerle4', 'Rat43', 'Bennett5',
] as const;

const dir = fileURLToPath(new URL('./nist/', import.meta.url));

export function loadNist(name: string): NistProblem {
  const lines = readFileSync(`${dir}${name}.dat`, 'utf8').split(/\r?\n/);
  const level = /(Lower|Average|Higher) Level of Difficulty/.exec(lines.join('\n'))![1].toLowerCase() as Difficulty;
  const starts: [number[], number[]] = [[], []], certified: number[] = [], certifiedSd: number[] = [];
  let rss = NaN, dataAt = -1;
  lines.forEach((line, i) => {
    const p = /^\s*b\d+\s*=\s*(\S+)\s+(\S+)\s+(\S+)\s+(\S+)/.exec(line);
    if (p) { starts[0].push(+p[1]); starts[1].push(+p[2]); certified.push(+p[3]); certifiedSd.push(+p[4]); }
    const q = /^Residual Sum of Squares:\s+(\S+)/.exec(line);
    if (q) rss = +q[1];
    if (/^Data:\s+y\b/.test(line)) dataAt = i;
  });
  const rows = lines.slice(dataAt + 1).map((l) => l.trim()).filter(Boolean).map((l) => l.split(/\s+/).map(Number));
  const cols = rows[0].length;
  const y = Float64Array.from(rows, (r) => r[0]);
  const x = Array.from({ length: cols - 1 }, (_, k) => Float64Array.from(rows, (r) => r[k + 1]));
  const model = MODELS[name];
  // Nelson's response is log y
  const residuals = name === 'Nelson'
    ? (p: T, x1: T, x2: T, yy: T) => sub(model(p, x1, x2), log(yy))
    : (p: T, xx: T, yy: T) => sub(model(p, xx), yy);
  return { name, difficulty: level, starts, certified, certifiedSd, certifiedRss: rss, x, y, residuals: residuals as NistProblem['residuals'] };
}

/** log relative error: −log₁₀(|q − c|/|c|) (absolute when c = 0), capped at the 11 certified digits */
export function lre(q: number, c: number): number {
  if (!Number.isFinite(q)) return 0;
  if (q === c) return 11;
  const e = c === 0 ? Math.abs(q) : Math.abs(q - c) / Math.abs(c);
  return Math.max(0, Math.min(11, -Math.log10(e)));
}

export interface NistScore { paramLre: number; rssLre: number; pass: boolean }

/** pass = every parameter to ≥ 4 correct digits and the residual sum of squares to ≥ 6 */
export function score(p: NistProblem, x: ArrayLike<number>, rss: number): NistScore {
  const paramLre = Math.min(...p.certified.map((c, i) => lre(x[i], c)));
  const rssLre = lre(rss, p.certifiedRss);
  return { paramLre, rssLre, pass: paramLre >= 4 && rssLre >= 6 };
}

/** one fit with default options: data through `args` */
export async function fitNist(p: NistProblem, start: 0 | 1, options: w.LeastSquaresOptions = {}): Promise<w.LeastSquaresResult<Float64Array>> {
  return w.leastSquares(p.residuals, Float64Array.from(p.starts[start]), { ...options, args: [...p.x, p.y] });
}
