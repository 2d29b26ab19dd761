// Text of numbers, small arrays, constants and attributes: the pieces every printed program and
// error message shares (printing whole programs lives in src/show/).
import type { Tensor } from './tensor.js';
import type { Eqn } from './graph.js';

/** Short numbers as JS writes them, long ones to 6 significant digits; −0 stays visible. */
export function fmtNum(x: number): string {
  const s = Object.is(x, -0) ? '-0' : String(x);
  return s.length <= 10 ? s : x.toPrecision(6).replace(/\.?0+(e|$)/, '$1');
}

/** `[1, 2, 3, …]`: the first `max` values (a scalar or size-1 array prints as one number) */
export function fmtValues(d: Float64Array, scalar: boolean, max = 8, num: (x: number) => string = fmtNum): string {
  if (scalar || d.length === 1) return num(d[0]);
  const shown = Array.from(d.subarray(0, max), num);
  return `[${shown.join(', ')}${d.length > max ? ', …' : ''}]`;
}

/** Small constants print their value, uniform ones `full(c)`, big ones nothing (only their shape). */
export function fmtConst(t: Tensor, max = 8): string | undefined {
  const d = t._data!;
  if (d.length === 0) return '[]';
  if (d.length === 1) return fmtNum(d[0]);
  if (d.every((x) => Object.is(x, d[0]))) return `full(${fmtNum(d[0])})`;
  return d.length <= max ? fmtValues(d, false) : undefined;
}

/** An equation's attributes as show prints them: `axes=[0] keepDims` */
export function fmtAttrs(e: Eqn): string {
  if (e.attrs === undefined || e.attrs === null) return '';
  if (e.op.fmtAttrs) return e.op.fmtAttrs(e.attrs);
  if (typeof e.attrs !== 'object') return String(e.attrs);
  return Object.entries(e.attrs as Record<string, unknown>)
    .filter(([, x]) => x !== false && x !== undefined)
    .map(([k, x]) => (x === true ? k : `${k}=${fmtAttrValue(x)}`)).join(' ');
}

const fmtAttrValue = (x: unknown): string =>
  Array.isArray(x) ? `[${x.map(fmtAttrValue).join(',')}]` : typeof x === 'number' ? fmtNum(x) : String(x);
