// Facts the TS encoder and the addon share, written once here: scripts/gen-ops.mjs copies them into
// native/generated/ops.h (the encoding's magic and version, the addon's status codes), so neither
// side keeps a hand copy of the other.

export const ENCODING_MAGIC = 0x57474e31;  // "WGN1"
/** bump when the encoding's layout changes (native/src/program.h documents it) */
export const ENCODING_VERSION = 4;

/**
 * The addon's status codes, by value (index): what each means. The C++ enum is S_<NAME> in upper case.
 */
export const STATUS_CODES = [
  ['ok', 'success'],
  ['format', 'header, section lengths, truncated buffer, wrong typed-array type'],
  ['op', 'unknown op id, wrong arity, or an op the addon does not run'],
  ['operand', 'operand or output variable out of range / not yet defined / redefined'],
  ['shape', "shapes that do not fit the op's shape rule"],
  ['attr', 'attribute values out of range'],
  ['memory', 'buffer offsets out of bounds, illegal aliasing'],
  ['const', 'constant payload of the wrong length'],
  ['alloc', 'allocation failed'],
  ['args', 'run: wrong number, type or length of input/output arrays'],
  ['index', 'run: gather/scatter index not an integer in range'],
  ['busy', 'run: program already running (re-entrancy)'],
  ['iterations', 'run: a whileLoop did not end within its maxIterations'],
] as const;

export const STATUS: readonly string[] = STATUS_CODES.map(([n]) => n);
