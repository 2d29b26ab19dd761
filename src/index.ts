// wengert public API (DESIGN §1).
export { Tensor, tensor } from './core/tensor.js';
export type { TensorLike } from './core/tensor.js';
export { WengertError } from './core/errors.js';
export type { ErrorCode } from './core/errors.js';
export * from './ops/index.js';
export { grad, valueAndGrad, vjp } from './transforms/grad.js';
export { compile, Program } from './program/compile.js';
export type { ProgramStats } from './program/compile.js';
export type { GradOptions } from './transforms/grad.js';
export { setBackend, getBackend, nativeInfo } from './backends/index.js';
export type { BackendName, NativeInfo } from './backends/index.js';
import './ops/registry.js';
import './core/tensor-methods.js';
