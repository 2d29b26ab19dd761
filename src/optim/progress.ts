// w.progress(): an onIteration callback that keeps one status line up to date on a terminal
//   fit  iter 120  loss 3.2512e-4  |∇| 1.20e-6  850 it/s  0.1 s
// and prints nothing when the stream is not a TTY (logs, CI, pipes). minimize and leastSquares
// close the line (final state + newline) when they finish; call done() when used elsewhere.
import { fail, describe } from '../core/errors.js';
import type { IterationInfo } from './types.js';

export const FINISH = Symbol('wengert.progress.finish');

export interface ProgressOptions {
  /** text in front of the line (default 'optimize') */
  label?: string;
  /** where to draw (default process.stderr) */
  stream?: { write(text: string): unknown; isTTY?: boolean };
  /** redraw at most this often (default 100 ms); the final state is always drawn */
  intervalMs?: number;
  /** draw even when the stream is not a TTY (default: only on a TTY) */
  enabled?: boolean;
}

export interface Progress {
  (info: IterationInfo): void;
  /** draw the final state and end the line (idempotent) */
  done(): void;
  [FINISH]: () => void;
}

export function progress(opts: ProgressOptions = {}): Progress {
  if (opts === null || typeof opts !== 'object') fail('ERR_ARG', 'progress', `expected an options object but received ${describe(opts)}`);
  const stream = opts.stream ?? process.stderr;
  const label = opts.label ?? 'optimize';
  const every = opts.intervalMs ?? 100;
  if (typeof every !== 'number' || !(every >= 0)) fail('ERR_ARG', 'progress', `option intervalMs: expected a number ≥ 0 but received ${describe(every)}`);
  const enabled = opts.enabled ?? !!stream.isTTY;
  let last: IterationInfo | null = null, drawnAt = -Infinity, open = false;

  const draw = (info: IterationInfo) => {
    const rate = info.elapsedMs > 0 ? (info.iteration * 1000) / info.elapsedMs : 0;
    const line = `${label}  iter ${info.iteration}  loss ${fmt(info.value, 4)}  |∇| ${fmt(info.gradientNorm, 2)}  ` +
      `${rate >= 100 ? rate.toFixed(0) : rate.toPrecision(3)} it/s  ${(info.elapsedMs / 1000).toFixed(1)} s`;
    stream.write(`\r${line}\x1b[K`);
    open = true;
  };
  const cb = ((info: IterationInfo) => {
    last = info;
    if (!enabled) return;
    const now = performance.now();
    if (now - drawnAt >= every) { drawnAt = now; draw(info); }
  }) as Progress;
  cb.done = () => {
    if (enabled && last) draw(last);
    if (open) stream.write('\n');
    last = null; open = false; drawnAt = -Infinity;
  };
  cb[FINISH] = cb.done;
  return cb;
}

const fmt = (v: number, digits: number) => (Number.isFinite(v) ? v.toExponential(digits) : String(v));
