// Late-bound helpers for rules derived in elementwise.ts. elementwise.ts runs while op modules are
// still loading (every op file calls it at load), so it must not import op modules itself;
// src/wiring.ts fills this table with ./util.ts's helpers (before any rule runs).
import type { Tensor, TensorLike } from '../core/tensor.js';
import type { Shape } from '../core/shape.js';

export interface RuleKit {
  cmul(g: TensorLike, p: TensorLike): Tensor;
  unbroadcast(g: Tensor, shape: Shape): Tensor;
  addAll(terms: readonly (Tensor | null)[], shape: Shape): Tensor | null;
  alignBatched(x: Tensor, rank: number): Tensor;
}
export const kit = {} as RuleKit;
