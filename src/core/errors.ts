/** Stable error codes (DESIGN §1). */
export type ErrorCode =
  | 'ERR_ARG' | 'ERR_SHAPE' | 'ERR_NO_RULE' | 'ERR_RULE'
  | 'ERR_SIGNATURE' | 'ERR_NATIVE' | 'ERR_MISMATCH' | 'ERR_TRACE';

/** Every error wengert raises on purpose. `code` is stable; `op` names the op or function. */
export class WengertError extends Error {
  readonly code: ErrorCode;
  readonly op: string | undefined;
  constructor(code: ErrorCode, message: string, op?: string) {
    super(op ? `${op}: ${message}` : message);
    this.name = 'WengertError';
    this.code = code;
    this.op = op;
  }
}

export const fail = (code: ErrorCode, op: string | undefined, message: string): never => {
  throw new WengertError(code, message, op);
};

/** Short description of a received value for "expected X but received Y" messages. */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (typeof v === 'number') return `number ${v}`;
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 20 ? v.slice(0, 20) + '…' : v)}`;
  if (typeof v === 'function') return `function ${v.name || '(anonymous)'}`;
  if (Array.isArray(v)) return `array of length ${v.length}`;
  if (ArrayBuffer.isView(v)) return `${v.constructor.name}(${(v as unknown as { length: number }).length})`;
  const ctor = (v as object).constructor?.name;
  if (ctor === 'Tensor') return `Tensor f64[${(v as { shape: number[] }).shape.join(',')}]`;
  return ctor && ctor !== 'Object' ? ctor : typeof v;
}

/** RangeErrors V8 throws for a typed array (or array) it cannot make: too long, or no memory */
const NO_ARRAY = /^(Invalid typed array length|Array buffer allocation failed|Invalid array length)/;

/** 34359738392 → "32 GiB" (3 significant digits) */
function fmtBytes(b: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let u = 0;
  while (b >= 1024 && u < units.length - 1) { b /= 1024; u++; }
  return `${Number(b.toPrecision(3))} ${units[u]}`;
}

/**
 * A kernel's failed allocation as ERR_SHAPE naming the op and what its output of `size` values
 * (printed as `shape`) needs — never a bare RangeError; any other error is returned unchanged.
 */
export function allocationError(err: unknown, op: string, shape: string, size: number, where = ''): unknown {
  if (!(err instanceof RangeError) || !NO_ARRAY.test(err.message)) return err;
  const why = /allocation failed/.test(err.message) ? 'and allocating it failed' : 'more than a Float64Array can hold';
  return new WengertError('ERR_SHAPE', `${shape} needs ${fmtBytes(8 * size)}, ${why}${where}`, op);
}
