// Optimizers for server-side jobs (DESIGN §1 "Optimization").
export { minimize } from './minimize.js';
export { leastSquares } from './least-squares.js';
export { progress } from './progress.js';
export type { ProgressOptions, Progress } from './progress.js';
export type {
  Method, Reason, IterationInfo, OnIteration, MinimizeOptions, MinimizeResult, LeastSquaresOptions, LeastSquaresResult,
} from './types.js';
