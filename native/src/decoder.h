// The decoder's internal state, shared by decode.cc (sections, allocation) and decode_ops.cc
// (per-op validation and loop plans). Baseline ISA only.
#pragma once
#include <cstdarg>
#include <cstdio>
#include <vector>
#include "program.h"

namespace wg {
namespace detail {

constexpr int kHeader = 10;
constexpr int32_t kMaxCount = 1 << 28;
constexpr int32_t kMaxAttrs = 1 << 20;
constexpr int32_t kMaxConcat = 1 << 16;

Error mk(Status s, int32_t instr, const char* fmt, ...);
Error vmk(Status s, int32_t instr, const char* fmt, va_list ap);

/** what the programs of one encoding share: the constants array and how much of it is claimed */
struct DecodeCtx {
  const double* consts;
  i64 constLen;
  i64 cursor;  // values claimed so far (pre-order: a program's own, then its bodies')
  const KernelTable* K;
};

/** one program of an encoding (the top level at depth 0, a loop body deeper); nullptr and err on refusal */
Program* decodeAt(const int32_t* enc, i64 len, DecodeCtx* ctx, int depth, int32_t pinned, Error* err);

struct Decoder {
  const int32_t* enc;
  i64 len;
  i64 at = 0;
  Program* P;
  Error err;
  std::vector<uint8_t> defined;  // 0 undefined, 1 input/const, 2 instruction output
  std::vector<i64> extSize;
  int32_t cur = -1;  // instruction being decoded
  DecodeCtx* ctx = nullptr;
  int depth = 0;
  /** values of the memory region handed out so far (arena values, then loop regions) */
  i64 regionTop = 0;

  bool fail(Status s, const char* fmt, ...) {
    if (err.status != S_OK) return false;
    va_list ap;
    va_start(ap, fmt);
    err = vmk(s, cur, fmt, ap);
    va_end(ap);
    return false;
  }
  bool word(int32_t* v, const char* what) {
    if (at >= len) return fail(S_FORMAT, "encoding truncated while reading %s (length %lld)", what, (long long)len);
    *v = enc[at++];
    return true;
  }
  const Var& V(int32_t v) const { return P->vars[v]; }
  const int32_t* D(int32_t v) const { return P->dims.data() + P->vars[v].dimOff; }
  bool sameShape(int32_t a, int32_t b) const {
    if (V(a).rank != V(b).rank) return false;
    for (int i = 0; i < V(a).rank; i++)
      if (D(a)[i] != D(b)[i]) return false;
    return true;
  }
  // [start, end) in one address space: arena (space -1) or external buffer e
  static void region(const Var& v, int32_t* space, i64* start) {
    if (v.ref >= 0) { *space = -1; *start = v.ref; } else { *space = v.ext; *start = v.off; }
  }
  static bool overlap(const Var& a, const Var& b) {
    int32_t sa, sb;
    i64 a0, b0;
    region(a, &sa, &a0);
    region(b, &sb, &b0);
    if (sa != sb || a.size == 0 || b.size == 0) return false;
    return a0 < b0 + b.size && b0 < a0 + a.size;
  }

  bool header();
  bool varsSection();
  bool ioSection();
  bool claimConstants();
  bool instruction(int32_t idx);
  bool writable(int32_t out);
  bool noOverlap(int32_t out, const int32_t* ins, int32_t nin, bool elementwise);
  bool shapeElementwise(int32_t out, const int32_t* ins, int32_t nin);
  void planElementwise(StepKind kind, int32_t op, int32_t out, const int32_t* ins, int32_t nin);
  bool scalarStep(int32_t op, int32_t out, uint32_t a, uint32_t b, uint32_t c);
  // decode_ops.cc
  std::vector<int32_t> ins, attrs;  // operands and attributes of the current instruction
  bool needPack = false;           // some matmul packs its operands (scratch buffers)
  bool elementwise(int32_t op, int32_t out);  // unary, binary and ternary
  int mergedStrides(int32_t out, i64* dims, i64 (*st)[kMaxRank]) const;
  bool reduce(int32_t op, int32_t out);
  bool matmul(int32_t out);
  bool layout(int32_t op, int32_t out);
  struct Strided;  // decode_ops.cc: a strided read of the current operand
  bool reshape(int32_t out, Strided& s);
  bool broadcast(int32_t out, Strided& s);
  bool transpose(int32_t out, Strided& s);
  bool slice(int32_t out, Strided& s);
  bool stridedCopy(int32_t op, int32_t out, const Strided& s);
  bool pad(int32_t out);
  bool concat(int32_t out);
  bool gather(int32_t op, int32_t out);
  bool fused(int32_t out);
  bool linalg(int32_t op, int32_t out);
  bool linalgFlags(int32_t op, int32_t* flags);
  bool extra(int32_t op, int32_t out);  // decode_extra.cc: argsort, random
  // decode_loops.cc
  bool loop(int32_t op, int32_t out);
  bool scanLoop(int32_t out);
  bool whileLoop(int32_t op, int32_t out);
  bool sweepMatches(const Program& W, const Program& B, int32_t nConst, int32_t nCarry, int32_t nSum, i64* state);
  bool loopBody(const char* role, size_t* at, int32_t pinned, int32_t* index);
  bool matchShapes(const char* what, const Program& B, int32_t bv, int32_t v, int32_t lead);
  bool pushLoop(int32_t op, int32_t kind, int32_t out, int32_t nConst, int32_t nCarry, int32_t nSum, i64 count, int32_t flag,
                i64 state, const int32_t* bodies);
  void pushCopy(int32_t dst, i64 dstOff, int32_t src, i64 srcOff, int nd, const i64* dims, const i64* dstSt,
                const i64* srcSt);
  void rowMajor(int32_t v, i64* st) const;
};

bool constRegion(Program* P, const double* consts, Error* err);

}  // namespace detail
}  // namespace wg
