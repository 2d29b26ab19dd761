// Implicit differentiation of a fixed-point solver through customVjp: the solver runs as plain
// iterations (no tape), and the derivative comes from the implicit function theorem.
//   x*(a) solves x = cos(a·x), i.e. F(x, a) = x − cos(a·x) = 0
//   dx*/da = −(∂F/∂x)⁻¹ ∂F/∂a = −(a·x·sin(a·x))… written below with ∂F/∂x = 1 + a·sin(a·x), ∂F/∂a = x·sin(a·x)
import * as w from '../src/index.js';

export const fixedPoint = w.customVjp(
  (a: w.Tensor) => {
    const av = a.item();
    let x = 0.5;
    for (let i = 0; i < 500; i++) {
      const next = Math.cos(av * x);
      if (Math.abs(next - x) < 1e-16) break;
      x = next;
    }
    return w.tensor(x);
  },
  {
    name: 'fixedPoint',
    vjp: (g, { inputs: [a], output: x }) => {
      const s = w.sin(w.mul(a as w.Tensor, x));
      const dFdx = w.add(1, w.mul(a as w.Tensor, s));
      const dFda = w.mul(x, s);
      return [w.neg(w.div(w.mul(g, dFda), dFdx))];
    },
  },
);

if (import.meta.url === `file://${process.argv[1]}`) {
  const a = 0.8;
  console.log('x*(a)      ', fixedPoint(w.tensor(a)).item());
  console.log('dx*/da (AD)', w.grad(fixedPoint)(a));
  const check = w.gradcheck(fixedPoint, [a]);
  console.log('gradcheck  ', check.ok ? 'ok' : 'FAILED', `AD ${check.worst.ad} vs FD ${check.worst.fd}`);
}
