// A decoded, validated program as the decoder builds it (DESIGN §5); image.h flattens it for the executor.
// Pure C++ (no N-API), so the decoder can be fuzzed and unit-tested without Node.
//
// Encoding (Int32Array, built by src/backends/native/encode.ts):
//   header  [magic, version, nvars, ninputs, nconsts, noutputs, ninstr, arenaSize, constEnd, codeLength]
//   vars    per variable: ref, off, rank, dims[rank]   (ref ≥ 0: arena offset in doubles, off = 0;
//           ref < 0: external buffer ~ref — input k is ~k, output k is ~(ninputs + k) — read from
//           value off on: a contiguous slice of an input is a view, never a copy)
//   inputs  ninputs variable ids;  consts  nconsts variable ids;  outputs  noutputs variable ids
//   code    per instruction: op, nin, out, ins[nin], nattr, attrs[nattr]   (codeLength words)
// plus a Float64Array with the constants' values, concatenated in `consts` order.
// Variables are SSA: inputs and constants exist from the start, an instruction defines `out`.
// Loop instructions (scan, whileLoop, whileVjp) carry their bodies in their attributes as complete
// encodings of this same layout (decode_loops.cc); the constants array holds a program's own
// constants, then those of its bodies in the order their loop instructions appear (pre-order).
#pragma once
#include <memory>
#include <vector>
#include "common.h"
#include "kernels/table.h"

namespace wg {

/** bits of a location's external-buffer index (loc < 0 packs buffer and offset) */
constexpr int kExtBits = 20;

struct Var {
  int32_t ref = 0;
  int32_t ext = -1;  // external buffer, or -1 for the arena
  i64 off = 0;       // offset inside the external buffer
  i64 loc = 0;       // what plans store: arena offset (≥ 0) or −1 − (ext + off·2^kExtBits)
  int32_t rank = 0;
  int32_t dimOff = 0;  // into Program::dims
  i64 size = 0;
};

enum StepKind : int32_t {
  K_SCALARS, K_NOP, K_UNARY, K_BINARY, K_TERNARY, K_REDUCE, K_MATMUL, K_COPY,
  K_GATHER, K_SCATTER, K_FUSED, K_EXTRA, K_LOOP, K_LINALG,
};

/** what a K_LOOP step runs (its plan: decode_loops.cc) */
enum LoopKind : int32_t { LK_SCAN, LK_WHILE, LK_WHILE_VJP };

/** One executable step; its operands and loop plan live in Program::plan from planOff on. */
struct Step {
  StepKind kind;
  int32_t instr;  // index of the (first) instruction, for error reports
  int32_t op;
  int32_t planOff;
};

/** A 0-d instruction of the tight scalar loop: arena offsets only. */
struct SOp {
  int32_t op;  // an OpId, or one of the SC_* codes
  uint32_t a, b, c, o;
};
enum : int32_t { SC_COPY = 1000 };
/** elements per tile of a fused chain: every register of the chain stays in L1 */
constexpr i64 kFusedTile = 512;
/** sums a fused chain may end in at most (src/plan/fuse.ts MAX_SUMS) */
constexpr int32_t kFusedSums = 16;

/**
 * What the decoder builds: the validated program in growable vectors. It is turned into a flat,
 * relocatable image (image.h) and dropped; nothing runs from this struct.
 */
struct Program {
  const KernelTable* K = nullptr;
  int32_t nvars = 0, nin = 0, nconst = 0, nout = 0, ninstr = 0;
  i64 arenaSize = 0, constEnd = 0;
  std::vector<Var> vars;
  std::vector<int32_t> dims;
  std::vector<int32_t> inputs, consts, outputs;
  std::vector<Step> steps;
  std::vector<SOp> sops;
  std::vector<i64> plan;
  /** the arena's constant region [0, constEnd) as every run starts with it */
  std::vector<double> constValues;
  /** registers of fused elementwise chains: kFusedTile doubles per live register of the longest chain */
  i64 fscratchSize = 0;
  /** fused-chain registers (operands + instructions) of the widest chain */
  int32_t nreg = 0;
  /** matmul packing scratch in doubles (0 when no matmul packs) */
  i64 packA = 0, packB = 0;
  /** column-reduction scratch in doubles (the largest colsScratch of any reduce step) */
  i64 reduceScratch = 0;
  /** linear-algebra scratch in doubles (the largest linalgScratch of any linalg step) */
  i64 linalgScratch = 0;
  // (the five scratch sizes above are maxima over this program and every body nested in it:
  // scratch lives only during one step, so all programs of one arena share it)

  /** inputs [0, pinned) are never written by a run (a body's loop constants: copied once per loop) */
  int32_t pinned = 0;
  /** where this program's own constants start in the constants array */
  i64 constAt = 0;
  /** loop bodies, in the order K_LOOP plans name them (by index) */
  std::vector<std::unique_ptr<Program>> subs;
  /** per body: its pointer table (nin + nout slots) and its memory, values from this program's memory */
  std::vector<i64> subExt, subMem;
  /**
   * values of this program's memory region: its arena values [0, arenaSize), then per loop step
   * its state buffers and its bodies' pointer tables and regions (each body's region nested the same way)
   */
  i64 regionSize = 0;

  Program() = default;
  Program(const Program&) = delete;
  Program& operator=(const Program&) = delete;
};

/**
 * How a reduce step runs (exec.cc), from its plan groups g = (dim, reduced) pairs: contiguous rows
 * ([R] or [K R]), columns ([R K] or [K R K]: *outer blocks of *cols columns), or gathered.
 */
enum ReducePattern { RP_ROWS, RP_COLS, RP_GATHER };
ReducePattern reducePattern(i64 ng, const i64* g, i64* outer, i64* cols);

/** Decode and validate an encoding; on failure returns nullptr and fills err. */
Program* decodeProgram(const int32_t* enc, i64 encLen, const double* consts, i64 constLen, const KernelTable* K,
                       Error* err);

}  // namespace wg
