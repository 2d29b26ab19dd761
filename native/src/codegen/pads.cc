// Pad fusion (pads.h). Baseline ISA only.
#include "pads.h"
#include <algorithm>
#include "emitter.h"

namespace wg {

using cg::num;
using cg::ptr;

bool padAt(const ImageView& v, int32_t j, i64 n, Pad* d) {
  const Step& s = v.steps[j];
  if (s.kind != K_COPY || s.op != OP_pad) return false;
  const i64* p = v.plan + s.planOff;
  const i64* it = p + 3;
  if (p[0] != 1 || p[2] != n || it[0] != p[1] || it[4] != 1 || it[6] != 1 || it[7] != 1) return false;
  *d = Pad{j, p[1], it[1], it[3], it[2], it[5]};
  return d->dstOff >= 0 && d->len >= 0 && d->dstOff + d->len <= n;
}

void readStarts(const ImageView& v, int32_t j, std::vector<i64>* r) {
  const Step& s = v.steps[j];
  const i64* p = v.plan + s.planOff;
  switch (s.kind) {
    case K_SCALARS:
      for (i64 i = p[0]; i < p[1]; i++) r->insert(r->end(), {i64(v.sops[i].a), i64(v.sops[i].b), i64(v.sops[i].c)});
      break;
    case K_NOP: break;
    case K_UNARY: r->push_back(p[1]); break;
    case K_BINARY: case K_TERNARY: for (i64 i = 0; i < p[1]; i++) r->push_back(p[2 + i]); break;
    case K_REDUCE: r->push_back(p[1]); break;
    case K_MATMUL: case K_GATHER: case K_SCATTER: r->insert(r->end(), {p[1], p[2]}); break;
    case K_COPY: {
      const i64* q = p + 3;
      for (i64 i = 0; i < p[0]; i++) { r->push_back(q[1] + q[3]); q += 5 + 3 * q[4]; }
      break;
    }
    case K_FUSED: for (i64 i = 0; i < p[2]; i++) r->push_back(p[5 + i]); break;
    case K_EXTRA: r->push_back(p[1]); break;
    case K_LINALG: r->insert(r->end(), {p[1], p[2], p[8]}); break;
    case K_LOOP: for (i64 i = 0; i < p[2]; i++) r->push_back(p[12 + i]); break;
  }
}

namespace {

bool overlaps(i64 a, i64 na, i64 b, i64 nb) { return a >= 0 && b >= 0 && na > 0 && nb > 0 && a < b + nb && b < a + na; }

/** no other step reads pad d's output, and it is no program output (or the consumer overwrites it) */
bool padPrivate(const ImageView& v, const Pad& d, int32_t consumer, i64 n, i64 out, const std::vector<Pad>& pads) {
  if (d.out < 0) return false;
  if (d.out == out) return true;  // in place: the consumer's result replaces the pad's value
  for (int32_t k = 0; k < v.h->nin + v.h->nout; k++)
    if (k >= v.h->nin && v.io[k].loc >= d.out && v.io[k].loc < d.out + n) return false;
  std::vector<i64> r;
  for (int32_t j = 0; j < v.h->nsteps; j++) {
    if (j == consumer || std::any_of(pads.begin(), pads.end(), [&](const Pad& x) { return x.step == j; })) continue;
    r.clear();
    readStarts(v, j, &r);
    for (i64 x : r)
      if (x >= d.out && x < d.out + n) return false;
  }
  return true;
}

}  // namespace

bool findPads(const ImageView& v, int32_t si, std::vector<Pad>* pads, std::vector<int>* padOf) {
  const i64* p = v.plan + v.steps[si].planOff;
  const int nin = int(p[1]);
  const i64* q = p + 2 + nin;
  const i64 n = q[1], out = p[0];
  const i64* st = q + 2;
  padOf->assign(size_t(nin), -1);
  for (int i = 0; i < nin; i++) {
    if (st[i] != 0 && st[i] != 1) return false;
    if (st[i] == 0) continue;
    for (int32_t j = si - 1; j >= 0 && v.steps[j].kind == K_COPY && v.steps[j].op == OP_pad; j--) {
      Pad d;
      if (padAt(v, j, n, &d) && d.out == p[2 + i]) { (*padOf)[size_t(i)] = int(pads->size()); pads->push_back(d); break; }
    }
  }
  if (pads->empty()) return false;
  // the pads are exactly the steps between the first of them and the consumer
  int32_t first = si;
  for (const Pad& d : *pads) first = std::min(first, d.step);
  for (int32_t j = first; j < si; j++)
    if (std::none_of(pads->begin(), pads->end(), [&](const Pad& d) { return d.step == j; })) return false;
  for (const Pad& d : *pads) {
    if (!padPrivate(v, d, si, n, out, *pads)) return false;
    // nothing written before the consumer reads a source: no pad's output, nor the consumer's output
    for (const Pad& e : *pads)
      if (overlaps(e.out, n, d.src + d.srcOff, d.len) && e.out != out) return false;
    if (overlaps(out, n, d.src + d.srcOff, d.len)) return false;
  }
  // the consumer's other operands do not read a pad's output either (a view of it)
  for (int i = 0; i < nin; i++)
    for (const Pad& d : *pads)
      if ((*padOf)[size_t(i)] < 0 && p[2 + i] >= d.out && p[2 + i] < d.out + n) return false;
  return true;
}

namespace {

/** the fused row as C: one loop per interval between the points where an operand enters or leaves its source */
std::string padLoop(const ImageView& v, int32_t si, const std::vector<Pad>& pads, const std::vector<int>& padOf, const std::string& fn) {
  const Step& s = v.steps[si];
  const i64* p = v.plan + s.planOff;
  const int nin = int(p[1]);
  const i64 n = p[3 + nin], out = p[0];
  const i64* st = p + 4 + nin;
  std::vector<i64> cut = {0, n};
  for (const Pad& d : pads) cut.insert(cut.end(), {d.dstOff, d.dstOff + d.len});
  std::sort(cut.begin(), cut.end());
  cut.erase(std::unique(cut.begin(), cut.end()), cut.end());
  // elements [e0, e1) (rt->range splits the row into chunks for the pool)
  std::string h = "static void " + fn + "(double* mem, double* const* ext, const struct wg_rt* rt, int64_t e0, int64_t e1, double* sc) {\n";
  h += "  (void)mem; (void)ext; (void)rt; (void)sc;\n";
  h += "  double* restrict o = " + ptr(out) + ";\n";
  for (int i = 0; i < nin; i++) {
    const int k = padOf[size_t(i)];
    if (k >= 0) h += "  const double* restrict a" + num(i) + " = " + ptr(pads[size_t(k)].src) + " + " + num(pads[size_t(k)].srcOff) + ";\n";
    else if (st[i] == 0) h += "  const double c" + num(i) + " = " + ptr(p[2 + i]) + "[0];\n";
    else h += "  const double* restrict a" + num(i) + " = " + ptr(p[2 + i]) + ";\n";
  }
  for (size_t c = 0; c + 1 < cut.size(); c++) {
    const i64 lo = cut[c], hi = cut[c + 1];
    std::string args;
    for (int i = 0; i < nin; i++) {
      const int k = padOf[size_t(i)];
      std::string e = st[i] == 0 ? "c" + num(i) : "a" + num(i) + "[j]";
      if (k >= 0) {
        const Pad& d = pads[size_t(k)];
        e = lo >= d.dstOff && hi <= d.dstOff + d.len ? "a" + num(i) + "[j - " + num(d.dstOff) + "]" : "0.0";
      }
      args += (i ? ", " : "") + e;
    }
    h += "  for (int64_t j = e0 > " + num(lo) + " ? e0 : " + num(lo) + ", j1 = e1 < " + num(hi) + " ? e1 : " + num(hi) +
         "; j < j1; j++) o[j] = wg_op_" + kOps[s.op].name + "(" + args + ");\n";
  }
  return h + "}\n";
}

}  // namespace

bool fusePads(const ImageView& v, int32_t si, const std::string& prefix, PadFusion* f) {
  const Step& s = v.steps[si];
  if ((s.kind != K_BINARY && s.kind != K_TERNARY) || v.K->vector[s.op]) return false;
  const i64* p = v.plan + s.planOff;
  if (p[2 + p[1]] != 1) return false;  // one axis
  std::vector<Pad> pads;
  std::vector<int> padOf;
  if (!findPads(v, si, &pads, &padOf)) return false;
  for (const Pad& d : pads) f->pads.push_back(d.step);
  const std::string fn = prefix + "pad" + num(si);
  f->helper = padLoop(v, si, pads, padOf, fn);
  const i64 n = p[3 + p[1]];
  f->call = "  rt->range(rt, " + fn + ", mem, ext, " + num(n) + ", " + num(n) + ", 0);\n";
  return true;
}

}  // namespace wg
