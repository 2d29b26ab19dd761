// fmin ships no types; bench/optim.ts uses these two solvers
declare module 'fmin/index.js' {
  export function nelderMead(f: (x: number[]) => number, x0: number[], options?: Record<string, unknown>): { x: number[]; fx: number };
  export function conjugateGradient(f: (x: number[], fxprime: number[]) => number, x0: number[], options?: Record<string, unknown>): { x: number[]; fx: number; fxprime: number[] };
}
