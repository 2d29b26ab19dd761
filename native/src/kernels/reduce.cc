// Reductions for one SIMD level, in the one canonical order every backend, level and thread count
// shares (DESIGN §4; src/ops/reduce.ts is the same order in TS):
//   the sequence x[0..n) of one output, combine c(acc, x) — sum acc + x, prod acc · x (with the
//   NaN rule of scalar.h's wg_nadd/wg_nmul: a NaN acc wins, so no operand order can flip a sign),
//   max (x > acc ∨ x ≠ x) ? x : acc, min (x < acc ∨ x ≠ x) ? x : acc; n = 0 → +0, 1, −∞, +∞.
//   Blocks of kBlock = 1024 values (the last shorter). In a block, 8 lanes start at the lane
//   identity (sum −0, prod 1, max −∞, min +∞); value i goes to lane i mod 8; the block value is
//   c(c(c(a0,a1), c(a2,a3)), c(c(a4,a5), c(a6,a7))). Block values p[0..nb) combine as T(0, nb):
//   T(lo, hi) = p[lo] if hi − lo = 1, else c(T(lo, lo+h), T(lo+h, hi)), h the largest power of two
//   below hi − lo — computed streaming with a stack of complete power-of-two subtrees.
// 8 lanes are one AVX-512 vector, two AVX2 or four SSE vectors. Every c is one exact IEEE
// operation (no FMA can form), so every level gives the same bits. Rows run 4 blocks at a time
// (independent lanes, full throughput); columns (a reduction over a leading axis) stream row by
// row through tiles of kColTile columns: row j of a block goes to accumulator row j mod 8.
#include "level.h"

namespace wg {
namespace WG_NS {
namespace {

constexpr int NV = 8 / WG_W;  // vectors per 8 lanes
constexpr i64 B = kReduceBlock;

template <int K> double identity() { return K == R_SUM ? -0.0 : K == R_PROD ? 1.0 : K == R_MAX ? -__builtin_inf() : __builtin_inf(); }
template <int K> double emptyValue() { return K == R_SUM ? 0.0 : identity<K>(); }

template <int K> double c1(double a, double x) { return wg_rcombine(K, a, x); }

/** c1 lane by lane: + and · blend the NaN rule's a + a where a is NaN (scalar.h) */
template <int K> wg_vd cv(wg_vd a, wg_vd x) {
  if (K == R_SUM) return a != a ? a + a : a + x;
  if (K == R_PROD) return a != a ? a + a : a * x;
  if (K == R_MAX) return (x > a || x != x) ? x : a;
  return (x < a || x != x) ? x : a;
}

/** c(c(c(l0,l1), c(l2,l3)), c(c(l4,l5), c(l6,l7))) */
template <int K> double laneTree(const double* l) {
  return c1<K>(c1<K>(c1<K>(l[0], l[1]), c1<K>(l[2], l[3])), c1<K>(c1<K>(l[4], l[5]), c1<K>(l[6], l[7])));
}

template <int K> double laneTree(const wg_vd* a) {
  double l[8];
  for (int v = 0; v < NV; v++) wg_store(l + v * WG_W, a[v]);
  return laneTree<K>(l);
}

/** the stack computing T over block values pushed in order */
template <int K> struct Tree {
  double val[40];
  i64 size[40];
  int top = 0;
  void push(double v) {
    i64 s = 1;
    while (top > 0 && size[top - 1] == s) { v = c1<K>(val[--top], v); s <<= 1; }
    val[top] = v;
    size[top++] = s;
  }
  double result() const {  // at least one value pushed
    if (top == 0) return 0.0;
    double acc = val[top - 1];
    for (int t = top - 2; t >= 0; t--) acc = c1<K>(val[t], acc);
    return acc;
  }
};

/** the block values of NB full blocks at x, x + B, ... (NB × 8 independent lanes) */
template <int K, int NB> void fullBlocks(const double* __restrict x, double* vals) {
  wg_vd a[NB][NV];
  for (int b = 0; b < NB; b++)
    for (int v = 0; v < NV; v++) a[b][v] = wg_splat(identity<K>());
  for (i64 i = 0; i < B; i += 8)
    for (int b = 0; b < NB; b++)
      for (int v = 0; v < NV; v++) a[b][v] = cv<K>(a[b][v], wg_load(x + b * B + i + v * WG_W));
  for (int b = 0; b < NB; b++) vals[b] = laneTree<K>(a[b]);
}

/** the block value of m ≤ B values */
template <int K> double block(const double* __restrict x, i64 m) {
  wg_vd a[NV];
  for (int v = 0; v < NV; v++) a[v] = wg_splat(identity<K>());
  i64 i = 0;
  for (; i + 8 <= m; i += 8)
    for (int v = 0; v < NV; v++) a[v] = cv<K>(a[v], wg_load(x + i + v * WG_W));
  double l[8];
  for (int v = 0; v < NV; v++) wg_store(l + v * WG_W, a[v]);
  for (int lane = 0; i < m; i++, lane++) l[lane] = c1<K>(l[lane], x[i]);
  return laneTree<K>(l);
}

/** the canonical reduction of x[0..n) */
template <int K> double row(const double* x, i64 n) {
  if (n == 0) return emptyValue<K>();
  if (n <= B) return block<K>(x, n);
  Tree<K> t;
  const i64 full = n / B;
  i64 b = 0;
  double v[4];
  for (; b + 4 <= full; b += 4) {
    fullBlocks<K, 4>(x + b * B, v);
    for (int k = 0; k < 4; k++) t.push(v[k]);
  }
  for (; b < full; b++) { fullBlocks<K, 1>(x + b * B, v); t.push(v[0]); }
  if (n > full * B) t.push(block<K>(x + full * B, n - full * B));
  return t.result();
}

/** acc ← c(acc, x) over w values (vectors, then the odd tail) */
template <int K> void combineRow(double* __restrict acc, const double* __restrict x, i64 w) {
  i64 o = 0;
  for (; o + WG_W <= w; o += WG_W) wg_store(acc + o, cv<K>(wg_load(acc + o), wg_load(x + o)));
  for (; o < w; o++) acc[o] = c1<K>(acc[o], x[o]);
}

/** the T stack of a column tile: entry e is the row st + e·tw (w values used) */
struct ColStack { double* st; i64 tw; i64 size[48]; int top; };

/**
 * one block of m ≤ B rows of a w-column tile: row j into accumulator row j mod 8 (a + r·tw), then
 * the lane tree across columns, then the block values pushed on T
 */
template <int K> void tileBlock(const double* x, i64 m, i64 w, i64 ld, double* a, ColStack& t) {
  const i64 tw = t.tw;
  for (int r = 0; r < 8; r++)
    for (i64 o = 0; o < w; o++) a[r * tw + o] = identity<K>();
  for (i64 j = 0; j < m; j++) combineRow<K>(a + (j & 7) * tw, x + j * ld, w);  // rows in order: long sequential runs
  for (int r = 0; r < 8; r += 2) combineRow<K>(a + r * tw, a + (r + 1) * tw, w);  // c(a0,a1) c(a2,a3) c(a4,a5) c(a6,a7)
  combineRow<K>(a, a + 2 * tw, w);
  combineRow<K>(a + 4 * tw, a + 6 * tw, w);
  combineRow<K>(a, a + 4 * tw, w);
  i64 s = 1;
  while (t.top > 0 && t.size[t.top - 1] == s) {  // merge equal power-of-two subtrees, the left one first
    t.top--;
    combineRow<K>(t.st + t.top * tw, a, w);
    for (i64 o = 0; o < w; o++) a[o] = t.st[t.top * tw + o];
    s <<= 1;
  }
  for (i64 o = 0; o < w; o++) t.st[t.top * tw + o] = a[o];
  t.size[t.top++] = s;
}

/**
 * out[o] = canonical over x[j·ld + o], j < rows, for o < cols (a reduction over a leading axis):
 * tiles of kColTile columns, each row of a tile read once, in order
 */
template <int K> void columns(const double* x, i64 rows, i64 cols, i64 ld, double* out, double* scratch) {
  if (rows == 0) {
    for (i64 o = 0; o < cols; o++) out[o] = emptyValue<K>();
    return;
  }
  const i64 tw = cols < kColTile ? cols : kColTile;
  ColStack t{scratch + 8 * tw, tw, {}, 0};
  for (i64 o0 = 0; o0 < cols; o0 += tw) {
    const i64 w = cols - o0 < tw ? cols - o0 : tw;
    t.top = 0;
    for (i64 j0 = 0; j0 < rows; j0 += B) tileBlock<K>(x + j0 * ld + o0, rows - j0 < B ? rows - j0 : B, w, ld, scratch, t);
    for (int e = t.top - 2; e >= 0; e--) combineRow<K>(t.st + e * tw, t.st + (e + 1) * tw, w);  // fold: st[e] ← c(st[e], st[e+1])
    for (i64 o = 0; o < w; o++) out[o0 + o] = t.st[o];
  }
}

}  // namespace

void fillReduce(KernelTable* t) {
  t->reduceRow[R_SUM] = row<R_SUM>;
  t->reduceRow[R_MAX] = row<R_MAX>;
  t->reduceRow[R_MIN] = row<R_MIN>;
  t->reduceRow[R_PROD] = row<R_PROD>;
  t->reduceBlock[R_SUM] = block<R_SUM>;
  t->reduceBlock[R_MAX] = block<R_MAX>;
  t->reduceBlock[R_MIN] = block<R_MIN>;
  t->reduceBlock[R_PROD] = block<R_PROD>;
  t->reduceCols[R_SUM] = columns<R_SUM>;
  t->reduceCols[R_MAX] = columns<R_MAX>;
  t->reduceCols[R_MIN] = columns<R_MIN>;
  t->reduceCols[R_PROD] = columns<R_PROD>;
}

}  // namespace WG_NS
}  // namespace wg
