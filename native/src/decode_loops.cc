// Loop instructions: scan, whileLoop, whileVjp (src/ops/scan.ts, src/ops/whileLoop.ts). Their
// bodies are complete encodings (program.h) inside the attributes, decoded recursively — at most
// kMaxDepth deep — and checked against the loop's operands: counts, shapes, the packed output.
// Attributes:
//   scan       nConst nCarry length reverse      S(body)
//   whileLoop  nConst hasMax maxHi maxLo         S(cond) S(body)
//   whileVjp   nConst hasMax maxHi maxLo nSum    S(cond) S(body) S(bwd)
// S(g) = n, then the n words of g's encoding; maxIterations = maxHi·2³¹ + maxLo (when hasMax).
// Operands: scan: consts, carries, xs ([length, ...slice]); whileLoop: consts, carries;
// whileVjp: consts, carries, the final carries' cotangents, the running sums.
// Output, one packed 1-D buffer: scan: carries, then each ys stacked [length, ...y]; whileLoop:
// carries; whileVjp: the carries' cotangents, then the sums.
//
// Plan (i64): kind outRef nIn nConst nCarry nSum count flag bufOff body[3] inRef[nIn]
//   count, flag: scan length, reverse; while maxIterations, hasMax. body[k]: index in
//   Program::subs (−1: none). bufOff: two state buffers of up8(state) values, then a flag slot
//   (8 values), from the program's memory; state = Σ carry sizes (+ Σ sum sizes for whileVjp).
// Every body is pinned: its inputs [0, nConst) are never written, so a loop copies them once.
#include <algorithm>
#include <string>
#include "decoder.h"

namespace wg {
namespace detail {

namespace {

constexpr i64 up8(i64 n) { return (n + 7) & ~i64(7); }
/** values of one arena at most (a root program's memory with every body region) */
constexpr i64 kMaxRegion = i64(1) << 36;

/** variables a and b of program B have the same shape */
bool sameIn(const Program& B, int32_t a, int32_t b) {
  const Var &x = B.vars[a], &y = B.vars[b];
  if (x.rank != y.rank) return false;
  for (int32_t i = 0; i < x.rank; i++)
    if (B.dims[x.dimOff + i] != B.dims[y.dimOff + i]) return false;
  return true;
}

}  // namespace

// body variable bv of B has the shape of operand v without its `lead` leading axes
bool Decoder::matchShapes(const char* what, const Program& B, int32_t bv, int32_t v, int32_t lead) {
  const Var& x = B.vars[bv];
  bool ok = V(v).rank == x.rank + lead;
  for (int32_t a = 0; ok && a < x.rank; a++) ok = D(v)[lead + a] == B.dims[x.dimOff + a];
  return ok || fail(S_SHAPE, "%s: a body input's shape does not match its operand", what);
}

// the next S(g) of the attributes: decoded (pinned inputs [0, pinned)), placed in this program's
// memory region, its scratch needs merged into this program's
bool Decoder::loopBody(const char* role, size_t* at, int32_t pinned, int32_t* index) {
  if (*at >= attrs.size()) return fail(S_ATTR, "%s: expected its encoding's length", role);
  const int32_t n = attrs[*at];
  if (n < 0 || i64(n) > i64(attrs.size()) - i64(*at) - 1) return fail(S_ATTR, "%s: an encoding of %d words does not fit the attributes", role, n);
  if (depth + 1 > kMaxDepth) return fail(S_FORMAT, "%s: loops nest deeper than %d", role, kMaxDepth);
  Error e;
  Program* B = decodeAt(attrs.data() + *at + 1, n, ctx, depth + 1, pinned, &e);
  if (!B) {  // the body's message, after where the body sits (not cut to a fixed length: bodies nest)
    if (err.status == S_OK) err = Error{e.status, cur, std::string(role) + " (instruction " + std::to_string(e.instr) + "): " + e.message};
    return false;
  }
  *at += 1 + size_t(n);
  *index = int32_t(P->subs.size());
  P->subs.emplace_back(B);
  P->subExt.push_back(regionTop);
  regionTop += up8(i64(B->nin) + B->nout);
  P->subMem.push_back(regionTop);
  regionTop += B->regionSize;
  if (regionTop > kMaxRegion) return fail(S_MEMORY, "%s: loop bodies need more than %lld values", role, (long long)kMaxRegion);
  P->fscratchSize = std::max(P->fscratchSize, B->fscratchSize);
  P->nreg = std::max(P->nreg, B->nreg);
  P->packA = std::max(P->packA, B->packA);
  P->packB = std::max(P->packB, B->packB);
  P->reduceScratch = std::max(P->reduceScratch, B->reduceScratch);
  P->linalgScratch = std::max(P->linalgScratch, B->linalgScratch);
  return true;
}

bool Decoder::loop(int32_t op, int32_t out) {
  const int nw = op == OP_whileVjp ? 5 : 4;
  if (attrs.size() < size_t(nw)) return fail(S_ATTR, "%s: expected %d leading attribute words", kOps[op].name, nw);
  return op == OP_scan ? scanLoop(out) : whileLoop(op, out);
}

bool Decoder::scanLoop(int32_t out) {
  const int32_t nIn = int32_t(ins.size()), nConst = attrs[0], nCarry = attrs[1], length = attrs[2], reverse = attrs[3];
  if (nConst < 0 || nCarry < 0 || nConst > nIn || nCarry > nIn - nConst || length < 0 || (reverse != 0 && reverse != 1)) {
    return fail(S_ATTR, "scan: expected [nConst, nCarry, length, reverse] fitting its %d operands", nIn);
  }
  size_t at = 4;
  int32_t bi = -1;
  if (!loopBody("scan body", &at, nConst, &bi)) return false;
  if (at != attrs.size()) return fail(S_ATTR, "scan: %lld extra attribute words", (long long)(attrs.size() - at));
  const Program& B = *P->subs[size_t(bi)];
  if (B.nin != nIn || B.nout < nCarry) {
    return fail(S_OP, "scan: the body has %d inputs and %d outputs, expected %d and at least %d", B.nin, B.nout, nIn, nCarry);
  }
  for (int32_t i = 0; i < nIn; i++) {
    const bool x = i >= nConst + nCarry;
    if (x && (V(ins[i]).rank < 1 || D(ins[i])[0] != length)) return fail(S_SHAPE, "scan: xs operand %d does not have %d rows", i, length);
    if (!matchShapes("scan", B, B.inputs[i], ins[i], x ? 1 : 0)) return false;
  }
  i64 state = 0, total = 0;
  for (int32_t j = 0; j < B.nout; j++) {
    const i64 size = B.vars[B.outputs[j]].size;
    if (j < nCarry && !sameIn(B, B.outputs[j], B.inputs[nConst + j])) return fail(S_SHAPE, "scan: carry %d leaves the body with another shape", j);
    const i64 n = j < nCarry ? size : size * length;  // ≤ 2⁶²
    if (n > kMaxElems - total) return fail(S_SHAPE, "scan: the packed output exceeds %lld values", (long long)kMaxElems);
    total += n;
    if (j < nCarry) state += size;
  }
  if (V(out).rank != 1 || V(out).size != total) return fail(S_SHAPE, "scan: expected a packed output f64[%lld]", (long long)total);
  const int32_t bodies[3] = {bi, -1, -1};
  return pushLoop(OP_scan, LK_SCAN, out, nConst, nCarry, 0, length, reverse, state, bodies);
}

bool Decoder::whileLoop(int32_t op, int32_t out) {
  const bool vjp = op == OP_whileVjp;
  const char* name = kOps[op].name;
  const int32_t nIn = int32_t(ins.size()), nConst = attrs[0], hasMax = attrs[1], nSum = vjp ? attrs[4] : 0;
  const i64 rest = i64(nIn) - nConst - nSum;
  if (nConst < 0 || nSum < 0 || rest < 0 || (vjp && rest % 2) || (hasMax != 0 && hasMax != 1) || attrs[2] < 0 || attrs[3] < 0) {
    return fail(S_ATTR, "%s: expected [nConst, hasMax, maxHi, maxLo%s] fitting its %d operands", name, vjp ? ", nSum" : "", nIn);
  }
  const int32_t nCarry = int32_t(vjp ? rest / 2 : rest), nFwd = nConst + nCarry;
  size_t at = size_t(vjp ? 5 : 4);
  int32_t bodies[3] = {-1, -1, -1};
  if (!loopBody(vjp ? "whileVjp cond" : "whileLoop cond", &at, nConst, &bodies[0]) ||
      !loopBody(vjp ? "whileVjp body" : "whileLoop body", &at, nConst, &bodies[1]) ||
      (vjp && !loopBody("whileVjp reverse sweep", &at, nConst, &bodies[2]))) return false;
  if (at != attrs.size()) return fail(S_ATTR, "%s: %lld extra attribute words", name, (long long)(attrs.size() - at));
  const Program &C = *P->subs[size_t(bodies[0])], &B = *P->subs[size_t(bodies[1])];
  if (C.nin != nFwd || C.nout != 1 || B.nin != nFwd || B.nout != nCarry) {
    return fail(S_OP, "%s: cond and body take %d values; cond returns one, the body %d carries", name, nFwd, nCarry);
  }
  if (C.vars[C.outputs[0]].rank != 0) return fail(S_SHAPE, "%s: cond must return one 0-d value", name);
  i64 state = 0;
  for (int32_t i = 0; i < nFwd; i++) {
    if (!matchShapes(name, C, C.inputs[i], ins[i], 0) || !matchShapes(name, B, B.inputs[i], ins[i], 0)) return false;
  }
  for (int32_t j = 0; j < nCarry; j++) {
    if (!sameIn(B, B.outputs[j], B.inputs[nConst + j])) return fail(S_SHAPE, "%s: carry %d leaves the body with another shape", name, j);
    state += B.vars[B.outputs[j]].size;
  }
  if (vjp && !sweepMatches(*P->subs[size_t(bodies[2])], B, nConst, nCarry, nSum, &state)) return false;
  if (V(out).rank != 1 || V(out).size != state) return fail(S_SHAPE, "%s: expected a packed output f64[%lld]", name, (long long)state);
  const i64 max = (i64(attrs[2]) << 31) + attrs[3];
  return pushLoop(op, vjp ? LK_WHILE_VJP : LK_WHILE, out, nConst, nCarry, nSum, max, hasMax, state, bodies);
}

// whileVjp's reverse sweep W: inputs consts, carries, their cotangents, sums (the loop's operands
// in order); outputs the cotangents (carry shapes), then the sums
bool Decoder::sweepMatches(const Program& W, const Program& B, int32_t nConst, int32_t nCarry, int32_t nSum, i64* state) {
  const int32_t nIn = int32_t(ins.size());
  if (W.nin != nIn || W.nout != nCarry + nSum) return fail(S_OP, "whileVjp: the reverse sweep takes %d values and returns %d", nIn, nCarry + nSum);
  for (int32_t i = 0; i < nIn; i++)
    if (!matchShapes("whileVjp reverse sweep", W, W.inputs[i], ins[i], 0)) return false;
  for (int32_t j = 0; j < nCarry; j++) {
    if (!matchShapes("whileVjp cotangent", B, B.inputs[nConst + j], ins[nConst + nCarry + j], 0)) return false;
    if (!sameIn(W, W.outputs[j], W.inputs[nConst + j])) return fail(S_SHAPE, "whileVjp: cotangent %d leaves the sweep with another shape", j);
  }
  for (int32_t j = 0; j < nSum; j++) {
    if (!sameIn(W, W.outputs[nCarry + j], W.inputs[nConst + 2 * nCarry + j])) return fail(S_SHAPE, "whileVjp: sum %d leaves the sweep with another shape", j);
    *state += W.vars[W.outputs[nCarry + j]].size;
  }
  return true;
}

bool Decoder::pushLoop(int32_t op, int32_t kind, int32_t out, int32_t nConst, int32_t nCarry, int32_t nSum, i64 count, int32_t flag,
                       i64 state, const int32_t* bodies) {
  if (!writable(out) || !noOverlap(out, ins.data(), int32_t(ins.size()), false)) return false;
  const i64 bufOff = regionTop;
  regionTop += 2 * up8(state) + 8;
  if (regionTop > kMaxRegion) return fail(S_MEMORY, "%s: loop state needs more than %lld values", kOps[op].name, (long long)kMaxRegion);
  P->steps.push_back(Step{K_LOOP, cur, op, int32_t(P->plan.size())});
  P->plan.insert(P->plan.end(), {i64(kind), V(out).loc, i64(ins.size()), i64(nConst), i64(nCarry), i64(nSum), count, i64(flag), bufOff,
                                 i64(bodies[0]), i64(bodies[1]), i64(bodies[2])});
  for (int32_t v : ins) P->plan.push_back(V(v).loc);
  return true;
}

}  // namespace detail
}  // namespace wg
