// Decoder and validator: trusts nothing in the encoding. Every count, id, offset, shape, size and
// attribute is checked before anything is allocated or run; a failure names the instruction.
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <algorithm>
#include <new>
#include "program.h"
#include "decoder.h"

namespace wg {
namespace detail {

Error vmk(Status s, int32_t instr, const char* fmt, va_list ap) {
  Error e;
  e.status = s;
  e.instr = instr;
  char buf[256];
  vsnprintf(buf, sizeof buf, fmt, ap);
  e.message = buf;
  return e;
}

Error mk(Status s, int32_t instr, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  Error e = vmk(s, instr, fmt, ap);
  va_end(ap);
  return e;
}


bool Decoder::header() {
  if (len < kHeader) return fail(S_FORMAT, "expected at least %d header words but received %lld", kHeader, (long long)len);
  const int32_t* h = enc;
  if (h[0] != kMagic) return fail(S_FORMAT, "expected magic 0x%x but received 0x%x", kMagic, h[0]);
  if (h[1] != kVersion) return fail(S_FORMAT, "expected encoding version %d but received %d", kVersion, h[1]);
  P->nvars = h[2]; P->nin = h[3]; P->nconst = h[4]; P->nout = h[5]; P->ninstr = h[6];
  P->arenaSize = h[7]; P->constEnd = h[8];
  const int32_t codeLen = h[9];
  for (int i = 2; i <= 9; i++)
    if (h[i] < 0 || h[i] > kMaxCount) return fail(S_FORMAT, "header word %d: expected 0..%d but received %d", i, kMaxCount, h[i]);
  if (P->nin > P->nvars || P->nconst > P->nvars) return fail(S_FORMAT, "more inputs or constants than variables");
  if (P->constEnd > P->arenaSize) return fail(S_FORMAT, "constant region %lld exceeds arena %lld", (long long)P->constEnd, (long long)P->arenaSize);
  // minimal length: 2 words per var, io lists, code
  if (i64(P->nin) + P->nout >= (i64(1) << kExtBits)) return fail(S_FORMAT, "too many inputs and outputs");
  const i64 need = i64(kHeader) + 3 * i64(P->nvars) + P->nin + P->nconst + P->nout + codeLen;
  if (need > len) return fail(S_FORMAT, "encoding truncated: expected at least %lld words but received %lld", (long long)need, (long long)len);
  at = kHeader;
  return true;
}

bool Decoder::varsSection() {
  P->vars.resize(P->nvars);
  P->dims.reserve(P->nvars);
  i64 used = P->constEnd;  // the arena must be no larger than what the variables use
  for (int32_t v = 0; v < P->nvars; v++) {
    Var& x = P->vars[v];
    int32_t rank = 0;
    int32_t off = 0;
    if (!word(&x.ref, "a variable ref") || !word(&off, "a variable offset") || !word(&rank, "a variable rank")) return false;
    if (rank < 0 || rank > kMaxRank) return fail(S_SHAPE, "variable %d: expected rank 0..%d but received %d", v, kMaxRank, rank);
    x.rank = rank;
    x.dimOff = int32_t(P->dims.size());
    i64 size = 1;
    bool overflow = false;
    for (int i = 0; i < rank; i++) {
      int32_t d = 0;
      if (!word(&d, "a dimension")) return false;
      if (d < 0) return fail(S_SHAPE, "variable %d: expected non-negative dimensions but received %d", v, d);
      if (d > kMaxElems) overflow = true;
      P->dims.push_back(d);
      if (size != 0 && d != 0 && size > kMaxElems / d) overflow = true;
      size *= d;
      if (size > kMaxElems) { overflow = true; size = kMaxElems; }
    }
    if (overflow && size != 0) return fail(S_SHAPE, "variable %d: size exceeds %lld elements", v, (long long)kMaxElems);
    x.size = size;
    if (x.ref >= 0) {
      if (off != 0) return fail(S_MEMORY, "variable %d: an arena variable has offset %d", v, off);
      if (x.ref + size > P->arenaSize) return fail(S_MEMORY, "variable %d: arena range [%d, %lld) exceeds arena size %lld", v, x.ref, (long long)(x.ref + size), (long long)P->arenaSize);
      x.loc = x.ref;
      if (x.ref + size > used) used = x.ref + size;
    } else if (i64(~x.ref) >= i64(P->nin) + P->nout || off < 0) {
      return fail(S_MEMORY, "variable %d: external buffer %d (offset %d) out of range (%d inputs, %d outputs)", v, ~x.ref, off, P->nin, P->nout);
    } else {
      x.ext = ~x.ref;
      x.off = off;
      x.loc = -1 - (i64(x.ext) + (i64(off) << kExtBits));
    }
  }
  // the encoder rounds the arena up to 8 values; anything larger is not an arena this program uses
  if (P->arenaSize > (used + 7) / 8 * 8) return fail(S_FORMAT, "arena size %lld exceeds the %lld values the variables use", (long long)P->arenaSize, (long long)used);
  return true;
}

bool Decoder::ioSection() {
  defined.assign(P->nvars, 0);
  P->inputs.resize(P->nin);
  P->consts.resize(P->nconst);
  P->outputs.resize(P->nout);
  for (int32_t k = 0; k < P->nin; k++) {
    int32_t v = 0;
    if (!word(&v, "an input id")) return false;
    if (v < 0 || v >= P->nvars || defined[v]) return fail(S_OPERAND, "input %d: variable %d is out of range or defined twice", k, v);
    defined[v] = 1;
    P->inputs[k] = v;
    const Var& x = V(v);
    if (x.ref >= 0) {
      if (x.ref < P->constEnd) return fail(S_MEMORY, "input %d: arena copy overlaps the constants", k);
    } else if (x.ext != k || x.off != 0) {
      return fail(S_MEMORY, "input %d: expected external buffer %d but received %d", k, k, x.ext);
    }
  }
  for (int32_t k = 0; k < P->nconst; k++) {
    int32_t v = 0;
    if (!word(&v, "a constant id")) return false;
    if (v < 0 || v >= P->nvars || defined[v]) return fail(S_OPERAND, "constant %d: variable %d is out of range or defined twice", k, v);
    defined[v] = 1;
    P->consts[k] = v;
    const Var& x = V(v);
    if (x.ref < 0 || x.ref + x.size > P->constEnd) return fail(S_MEMORY, "constant %d: expected a range inside the constant region [0, %lld)", k, (long long)P->constEnd);
  }
  // constants sit back to back, each aligned to 8 values at most (the encoder's layout); images
  // copy the whole region, so it is no larger than the constants' values plus that padding
  i64 constValues = 0;
  for (int32_t v : P->consts) constValues += V(v).size;
  if (P->constEnd > constValues + 7 * i64(P->nconst)) {
    return fail(S_FORMAT, "constant region %lld exceeds the %lld values the constants hold (plus alignment)", (long long)P->constEnd, (long long)constValues);
  }
  for (int32_t k = 0; k < P->nout; k++) {
    int32_t v = 0;
    if (!word(&v, "an output id")) return false;
    if (v < 0 || v >= P->nvars) return fail(S_OPERAND, "output %d: variable %d is out of range", k, v);
    P->outputs[k] = v;
  }
  extSize.resize(size_t(P->nin) + P->nout);
  for (int32_t k = 0; k < P->nin; k++) extSize[k] = V(P->inputs[k]).size;
  for (int32_t k = 0; k < P->nout; k++) extSize[P->nin + k] = V(P->outputs[k]).size;
  for (int32_t v = 0; v < P->nvars; v++) {
    const Var& x = V(v);
    if (x.ext >= 0 && x.off + x.size > extSize[x.ext]) {
      return fail(S_MEMORY, "variable %d: range [%lld, %lld) exceeds its external buffer's %lld values", v, (long long)x.off, (long long)(x.off + x.size), (long long)extSize[x.ext]);
    }
  }
  return true;
}

// The output region of a writing instruction: arena past the constants, or a caller output buffer.
bool Decoder::writable(int32_t out) {
  const Var& x = V(out);
  if (x.ref >= 0) {
    if (x.size > 0 && x.ref < P->constEnd) return fail(S_MEMORY, "output variable %d would overwrite the constants", out);
    for (int32_t k = 0; k < P->pinned; k++) {
      const Var& in = V(P->inputs[k]);
      if (in.ref >= 0 && overlap(x, in)) return fail(S_MEMORY, "output variable %d would overwrite pinned input %d", out, k);
    }
  } else if (x.ext < P->nin) {
    return fail(S_MEMORY, "output variable %d would overwrite input buffer %d", out, x.ext);
  }
  return true;
}

bool Decoder::noOverlap(int32_t out, const int32_t* ins, int32_t nin, bool elementwise) {
  for (int32_t i = 0; i < nin; i++) {
    if (!overlap(V(out), V(ins[i]))) continue;
    if (elementwise && V(out).loc == V(ins[i]).loc && sameShape(out, ins[i])) continue;  // exact in-place
    return fail(S_MEMORY, "output variable %d overlaps operand %d (variable %d)", out, i, ins[i]);
  }
  return true;
}

bool Decoder::shapeElementwise(int32_t out, const int32_t* ins, int32_t nin) {
  const int32_t r = V(out).rank;
  for (int32_t i = 0; i < nin; i++) {
    const int32_t ri = V(ins[i]).rank;
    if (ri > r) return fail(S_SHAPE, "operand %d has rank %d above the output's %d", i, ri, r);
    for (int32_t a = 0; a < ri; a++) {
      const int32_t d = D(ins[i])[a], o = D(out)[r - ri + a];
      if (d != o && d != 1) return fail(S_SHAPE, "operand %d: axis %d has %d, not broadcastable to %d", i, a, d, o);
    }
  }
  for (int32_t a = 0; a < r; a++) {  // each output axis must come from some operand
    int32_t want = 1;
    for (int32_t i = 0; i < nin; i++) {
      const int32_t ri = V(ins[i]).rank, k = a - (r - ri);
      if (k >= 0 && D(ins[i])[k] != 1) want = D(ins[i])[k];
    }
    if (D(out)[a] != want) return fail(S_SHAPE, "output axis %d: expected %d but received %d", a, want, D(out)[a]);
  }
  return true;
}

bool Decoder::scalarStep(int32_t op, int32_t out, uint32_t a, uint32_t b, uint32_t c) {
  if (P->steps.empty() || P->steps.back().kind != K_SCALARS) {
    P->steps.push_back(Step{K_SCALARS, cur, -1, int32_t(P->plan.size())});
    P->plan.push_back(i64(P->sops.size()));
    P->plan.push_back(i64(P->sops.size()));
  }
  P->sops.push_back(SOp{op, a, b, c, uint32_t(V(out).ref)});
  P->plan[P->steps.back().planOff + 1] = i64(P->sops.size());
  return true;
}

Program* decodeAt(const int32_t* enc, i64 encLen, DecodeCtx* ctx, int depth, int32_t pinned, Error* err) {
  Program* P = new (std::nothrow) Program();
  if (!P) { *err = mk(S_ALLOC, -1, "out of memory"); return nullptr; }
  P->K = ctx->K;
  Decoder d{};
  d.enc = enc;
  d.len = encLen;
  d.P = P;
  d.ctx = ctx;
  d.depth = depth;
  bool ok = d.header() && d.varsSection() && d.ioSection();
  if (ok && (pinned < 0 || pinned > P->nin)) ok = d.fail(S_FORMAT, "%d pinned inputs of %d", pinned, P->nin);
  P->pinned = ok ? pinned : 0;
  if (ok) ok = d.claimConstants();
  d.regionTop = (P->arenaSize + 7) / 8 * 8;
  const i64 codeStart = d.at;
  const i64 codeLen = ok ? enc[9] : 0;
  if (ok && codeStart + codeLen != encLen) {
    ok = d.fail(S_FORMAT, "expected %lld words but received %lld", (long long)(codeStart + codeLen), (long long)encLen);
  }
  for (int32_t i = 0; ok && i < P->ninstr; i++) {
    d.cur = i;
    ok = d.instruction(i);
    if (ok && d.at > codeStart + codeLen) ok = d.fail(S_FORMAT, "instruction runs past the code section");
  }
  d.cur = -1;
  if (ok && d.at != codeStart + codeLen) ok = d.fail(S_FORMAT, "code section has %lld extra words", (long long)(codeStart + codeLen - d.at));
  for (int32_t k = 0; ok && k < P->nout; k++) {
    if (!d.defined[P->outputs[k]]) ok = d.fail(S_OPERAND, "output %d: variable %d is never defined", k, P->outputs[k]);
  }
  if (ok && d.needPack) {
    P->packA = std::max(P->packA, mmScratchA(ctx->K->mm));
    P->packB = std::max(P->packB, mmScratchB(ctx->K->mm));
  }
  P->regionSize = d.regionTop;
  if (ok) ok = constRegion(P, ctx->consts, &d.err);
  if (!ok) {
    *err = d.err;
    delete P;
    return nullptr;
  }
  return P;
}

// a program's own constants: the next values of the constants array (its bodies' follow)
bool Decoder::claimConstants() {
  i64 total = 0;
  for (int32_t v : P->consts) total += P->vars[v].size;
  if (total > ctx->constLen - ctx->cursor) {
    return fail(S_CONST, "expected at least %lld constant values but received %lld", (long long)(ctx->cursor + total), (long long)ctx->constLen);
  }
  P->constAt = ctx->cursor;
  ctx->cursor += total;
  return true;
}

}  // namespace detail

using namespace detail;

Program* decodeProgram(const int32_t* enc, i64 encLen, const double* consts, i64 constLen, const KernelTable* K,
                       Error* err) {
  DecodeCtx ctx{consts, constLen, 0, K};
  Program* P = decodeAt(enc, encLen, &ctx, 0, 0, err);
  if (P && ctx.cursor != constLen) {
    *err = mk(S_CONST, -1, "expected %lld constant values but received %lld", (long long)ctx.cursor, (long long)constLen);
    delete P;
    return nullptr;
  }
  return P;
}

}  // namespace wg
