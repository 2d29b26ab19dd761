// The `args` option: extra arguments for f after the parameters, fixed or drawn once per
// iteration. They enter the compiled program as inputs (never as frozen constants), so a new
// minibatch, a new data set or a new random key costs no recording. Every draw must keep the
// structure and shapes of the first (ERR_ARG naming the leaf).
import { Tensor } from '../core/tensor.js';
import { fail, describe } from '../core/errors.js';
import { fmtShape } from '../core/shape.js';
import { leafKind } from '../core/pytree.js';
import type { Args } from './types.js';

type Draw = (iteration: number) => readonly unknown[] | Promise<readonly unknown[]>;

/** Structure and shapes of an argument tree, compared without copying any data. */
type Layout =
  | { t: 'leaf'; shape: readonly number[] }
  | { t: 'array'; items: Layout[] }
  | { t: 'object'; keys: string[]; items: Layout[] }
  | { t: 'static'; value: unknown };

export class ExtraArgs {
  /** the arguments of iteration 0 (the program is recorded with them) */
  readonly initial: readonly unknown[];
  readonly perIteration: boolean;
  private readonly layouts: Layout[];

  private constructor(private readonly name: string, private readonly draw: Draw | null, initial: readonly unknown[]) {
    this.initial = initial;
    this.perIteration = !!draw;
    this.layouts = initial.map(layoutOf);
  }

  /** Validate `spec` against f's parameters; a function is called once here for iteration 0. */
  static async create(name: string, spec: Args | null, f: Function): Promise<ExtraArgs> {
    const draw = typeof spec === 'function' ? (spec as Draw) : null;
    const initial = draw ? await drawn(name, draw, 0) : ((spec as readonly unknown[] | null) ?? []);
    if (typeof f === 'function') checkArity(name, f, initial.length, draw !== null);  // else the caller names the bad f
    return new ExtraArgs(name, draw, initial);
  }

  /** The arguments for iteration i (i ≥ 1 draws anew when args is a function). */
  async at(i: number): Promise<readonly unknown[]> {
    if (!this.draw) return this.initial;
    const a = await drawn(this.name, this.draw, i);
    if (a.length !== this.layouts.length) {
      fail('ERR_ARG', this.name, `option args(${i}) returned ${a.length} argument(s) but args(0) returned ${this.layouts.length}: every draw must have the same arity`);
    }
    a.forEach((v, k) => {
      const d = difference(this.layouts[k], v, `args(${i})[${k}]`);
      if (d) fail('ERR_ARG', this.name, `${d} (as returned by args(0)): every draw must keep the structure and shapes of the first, since the program is compiled for them`);
    });
    return a;
  }
}

async function drawn(name: string, draw: Draw, i: number): Promise<readonly unknown[]> {
  let a: unknown = draw(i);
  if (a && typeof (a as PromiseLike<unknown>).then === 'function') a = await a;
  if (!Array.isArray(a)) fail('ERR_ARG', name, `option args(${i}): expected the function to return an array of extra arguments but it returned ${describe(a)}`);
  return a as readonly unknown[];
}

/** f takes the parameters and then exactly the extra arguments (when its parameter list says how many). */
function checkArity(name: string, f: Function, given: number, drawnArgs: boolean): void {
  const where = drawnArgs ? 'option args(0) returned' : 'option args has';
  const required = f.length;  // parameters before the first default or rest parameter
  if (required > 1 + given) {
    fail('ERR_ARG', name, `f declares ${required} parameters (the parameters and ${required - 1} more) but ${where} ${given} argument(s): ` +
      `pass the missing ones in args`);
  }
  const declared = declaredParameters(f);
  if (declared && !declared.rest && given > 0 && declared.count < 1 + given) {
    fail('ERR_ARG', name, `f declares ${declared.count} parameter(s) but ${where} ${given} extra argument(s): args[${Math.max(0, declared.count - 1)}] ` +
      `and after would be ignored`);
  }
}

/** The number of parameters in f's source and whether it has a rest parameter; null when unreadable. */
function declaredParameters(f: Function): { count: number; rest: boolean } | null {
  const src = Function.prototype.toString.call(f);
  if (/^\s*(async\s+)?[A-Za-z_$][\w$]*\s*=>/.test(src)) return { count: 1, rest: false };
  const open = src.indexOf('(');
  if (open < 0 || /^\s*class\b/.test(src) || src.includes('[native code]')) return null;
  let depth = 0, count = 0, rest = false, any = false, quote = '';
  for (let i = open + 1; i < src.length; i++) {
    const c = src[i];
    if (quote) { if (c === '\\') i++; else if (c === quote) quote = ''; continue; }
    if (c === '"' || c === "'" || c === '`') { quote = c; any = true; continue; }
    if (c === '/' && (src[i + 1] === '/' || src[i + 1] === '*')) return null;  // comments in the list: give up
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      if (depth === 0) return { count: any ? count + 1 : 0, rest };
      depth--;
    } else if (depth === 0 && c === ',') {
      count++;
      any = false;
      continue;
    } else if (depth === 0 && c === '.' && src.startsWith('...', i)) rest = true;
    if (!/\s/.test(c)) any = true;
  }
  return null;
}

function layoutOf(v: unknown): Layout {
  if (Array.isArray(v)) {
    if (leafKind(v)) return { t: 'leaf', shape: nestedShape(v) };
    return { t: 'array', items: v.map(layoutOf) };
  }
  const kind = leafKind(v);
  if (kind) return { t: 'leaf', shape: leafShape(v) };
  if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    const keys = Object.keys(v);
    return { t: 'object', keys, items: keys.map((k) => layoutOf((v as Record<string, unknown>)[k])) };
  }
  return { t: 'static', value: v };
}

function difference(l: Layout, v: unknown, path: string): string | null {
  const got = layoutOf(v);
  if (l.t !== got.t) return `${path}: expected ${what(l)} but received ${describe(v)}`;
  switch (l.t) {
    case 'leaf': {
      const s = (got as typeof l).shape;
      return s.length === l.shape.length && s.every((d, i) => d === l.shape[i]) ? null : `${path}: expected ${fmtShape(l.shape)} but received ${fmtShape(s)}`;
    }
    case 'array': {
      const items = (v as unknown[]);
      if (items.length !== l.items.length) return `${path}: expected an array of ${l.items.length} items but received ${items.length}`;
      for (let i = 0; i < items.length; i++) { const d = difference(l.items[i], items[i], `${path}[${i}]`); if (d) return d; }
      return null;
    }
    case 'object': {
      const o = v as Record<string, unknown>, keys = Object.keys(o);
      const odd = keys.find((k) => !l.keys.includes(k)) ?? l.keys.find((k) => !keys.includes(k));
      if (odd !== undefined) return `${path}.${odd}: expected an object with keys ${l.keys.join(', ')} but received keys ${keys.join(', ') || '(none)'}`;
      for (let i = 0; i < l.keys.length; i++) { const d = difference(l.items[i], o[l.keys[i]], `${path}.${l.keys[i]}`); if (d) return d; }
      return null;
    }
    case 'static': return Object.is(l.value, v) ? null : `${path}: expected the value ${describe(l.value)} but received ${describe(v)}`;
  }
}

const what = (l: Layout) => (l.t === 'leaf' ? fmtShape(l.shape) : l.t === 'array' ? `an array of ${l.items.length}` : l.t === 'object' ? `an object with keys ${l.keys.join(', ')}` : describe(l.value));

function leafShape(v: unknown): readonly number[] {
  if (v instanceof Tensor) return v.shape;
  if (typeof v === 'number') return [];
  if (ArrayBuffer.isView(v)) return [(v as Float64Array).length];
  return [];
}

function nestedShape(v: unknown): number[] {
  const s: number[] = [];
  let cur: unknown = v;
  while (Array.isArray(cur)) { s.push(cur.length); cur = cur[0]; }
  return s;
}
