// Refitting a model to new data without recompiling, with bounds and standard errors.
//   Run: npx tsx examples/refit.ts
// A sensor reports a first-order response y(t) = A·(1 − exp(−t/τ)) + y₀ every second. The residual
// function takes the data as extra arguments (`args`), so each new batch of measurements is
// fitted by the compiled programs of the first fit; τ is bounded to physical values.
import * as w from '../src/index.js';
import { rng } from './rng.js';

type T = w.Tensor;
type P = { A: T; tau: T; y0: T };

// how often the JS of the residual function runs: recordings only, never per iteration
let recordings = 0;
const response = (p: P, t: T, y: T) => {
  recordings++;
  return w.sub(w.add(w.mul(p.A, w.sub(1, w.exp(w.div(w.neg(t), p.tau)))), p.y0), y);
};

const t = Float64Array.from({ length: 120 }, (_, i) => i);
const batches = [{ A: 5, tau: 12, y0: 1 }, { A: 4.2, tau: 30, y0: 1.5 }, { A: 6, tau: 4, y0: 0.5 }].map((truth, k) => {
  const noise = rng(10 + k).normal;
  return { truth, y: t.map((ti) => truth.A * (1 - Math.exp(-ti / truth.tau)) + truth.y0 + 0.05 * noise()) };
});

async function main() {
  const bounds = { lower: { A: null, tau: 0.5, y0: null }, upper: { A: null, tau: 1000, y0: null } };
  for (const [k, { truth, y }] of batches.entries()) {
    recordings = 0;
    const fit = await w.leastSquares(response, { A: 1, tau: 10, y0: 0 }, { args: [t, y], bounds });
    const x = fit.x as { A: number; tau: number; y0: number }, se = fit.standardErrors as typeof x;
    console.log(`batch ${k + 1}: ${fit.reason}, converged ${fit.converged}, ${fit.iterations} iterations (${fit.evaluations} residual and ` +
      `${fit.jacobianEvaluations} Jacobian evaluations); the residual function ran ${recordings}× (${k ? 'one recording confirmed the compiled programs' : 'recording and compiling'})`);
    for (const name of ['A', 'tau', 'y0'] as const) {
      console.log(`  ${name.padEnd(3)} = ${x[name].toFixed(3).padStart(7)} ± ${se[name].toFixed(3)}   (truth ${truth[name]})`);
    }
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
