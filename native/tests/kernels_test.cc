// Kernel tests: every SIMD level this CPU runs against the scalar level (elementwise within a ulp
// bound), reductions bit-identical to a plain reference of the canonical order, and matmul against a naive triple loop,
// over lengths that hit every vector tail, in-place calls and strided (transposed) operands.
#include <cmath>
#include <cstdlib>
#include <limits>
#include <vector>
#include "check.h"
#include "dispatch.h"

using namespace wg;

namespace {

/** transcendental kernels may differ from the scalar level by rounding (vector math within 4 ulp of scalar libm, docs/numerics.md) */
constexpr uint64_t kUlpBound = 8;

std::vector<double> inputs(uint32_t seed, int n) {
  const double inf = std::numeric_limits<double>::infinity(), nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> v = {0.0, -0.0, 1.0, -1.0, 0.5, 2.0, 1e-300, -5e-324, 4.9e-324, 1e-9, 30.0, -30.0, 700.0, -745.0,
                           710.0, 1e5, -1e5, inf, -inf, nan};
  uint32_t s = seed;
  while (int(v.size()) < n) {
    s = s * 1664525u + 1013904223u;
    const double u = double(s >> 8) / double(1u << 24);  // [0, 1)
    v.push_back((u - 0.5) * (v.size() % 3 == 0 ? 8.0 : v.size() % 3 == 1 ? 40.0 : 2.0));
  }
  return v;
}

void unaryTests(const KernelTable* ref, const KernelTable* K) {
  const std::vector<double> x = inputs(1, 1031);
  for (int op = 0; op < kOpCount; op++) {
    if (!K->unary[op] || !ref->unary[op]) { CHECKF(!K->unary[op] == !ref->unary[op], "%s: unary kernel at %s but not at scalar", kOps[op].name, K->name); continue; }
    uint64_t worst = 0;
    double worstX = 0;
    for (int n : {0, 1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 31, 33, 1031}) {
      std::vector<double> a(x.begin(), x.begin() + n), want(n), got(n, -7.0);
      ref->unary[op](a.data(), want.data(), n);
      K->unary[op](a.data(), got.data(), n);
      for (int i = 0; i < n; i++) {
        // beyond 1e5 vector and scalar argument reduction may legitimately differ more: NaN-ness and sign only
        const uint64_t u = std::fabs(a[i]) > 1e4 && std::isfinite(a[i]) ? (std::isnan(want[i]) == std::isnan(got[i]) ? 0 : UINT64_MAX) : wgt::ulps(want[i], got[i]);
        if (u > worst) { worst = u; worstX = a[i]; }
      }
      std::vector<double> inplace = a;  // a == out is allowed
      K->unary[op](inplace.data(), inplace.data(), n);
      for (int i = 0; i < n; i++) CHECKF(wgt::ulps(inplace[i], got[i]) == 0, "%s/%s in place differs at %d", kOps[op].name, K->name, i);
    }
    CHECKF(worst <= kUlpBound, "%s at %s: %llu ulp from the scalar level at x = %.17g", kOps[op].name, K->name, (unsigned long long)worst, worstX);
    if (std::getenv("WG_TEST_VERBOSE")) std::printf("  %-8s %-12s max %llu ulp\n", K->name, kOps[op].name, (unsigned long long)worst);
  }
}

void binaryTests(const KernelTable* ref, const KernelTable* K) {
  const std::vector<double> x = inputs(2, 517), y = inputs(3, 517);
  for (int op = 0; op < kOpCount; op++) {
    if (!K->binary[op] || !ref->binary[op]) { CHECKF(!K->binary[op] == !ref->binary[op], "%s: binary kernel mismatch at %s", kOps[op].name, K->name); continue; }
    uint64_t worst = 0;
    for (int n : {0, 1, 3, 4, 7, 8, 9, 17, 517}) {
      for (int sa = 0; sa <= 1; sa++) {
        for (int sb = 0; sb <= 1; sb++) {
          std::vector<double> want(n), got(n, -7.0);
          ref->binary[op](x.data() + 11, sa, y.data() + 5, sb, want.data(), n);
          K->binary[op](x.data() + 11, sa, y.data() + 5, sb, got.data(), n);
          for (int i = 0; i < n; i++) {
            const double a = x[11 + i * sa];
            const uint64_t u = std::fabs(a) > 1e4 && std::isfinite(a) ? (std::isnan(want[i]) == std::isnan(got[i]) ? 0 : UINT64_MAX) : wgt::ulps(want[i], got[i]);
            if (u > worst) worst = u;
          }
        }
      }
    }
    CHECKF(worst <= kUlpBound, "%s at %s: %llu ulp from the scalar level", kOps[op].name, K->name, (unsigned long long)worst);
  }
}

void ternaryTests(const KernelTable* ref, const KernelTable* K) {
  const std::vector<double> x = inputs(4, 300), lo = inputs(5, 300), hi = inputs(6, 300);
  for (int op = 0; op < kOpCount; op++) {
    if (!K->ternary[op] || !ref->ternary[op]) continue;
    for (int n : {0, 1, 5, 8, 13, 300}) {
      for (int s = 0; s < 8; s++) {
        std::vector<double> want(n), got(n, -7.0);
        ref->ternary[op](x.data(), s & 1, lo.data(), (s >> 1) & 1, hi.data(), (s >> 2) & 1, want.data(), n);
        K->ternary[op](x.data(), s & 1, lo.data(), (s >> 1) & 1, hi.data(), (s >> 2) & 1, got.data(), n);
        for (int i = 0; i < n; i++) CHECKF(wgt::ulps(want[i], got[i]) == 0, "%s at %s: [%d] %.17g vs %.17g", kOps[op].name, K->name, i, want[i], got[i]);
      }
    }
  }
}

// The canonical reduction order (kernels/reduce.cc, src/ops/reduce.ts) written the plainest way:
// blocks of 1024, 8 lanes, the lane tree, then T with h the largest power of two below hi − lo.
double refC(int k, double a, double x) {
  return k == R_SUM ? a + x : k == R_PROD ? a * x : k == R_MAX ? ((x > a || x != x) ? x : a) : ((x < a || x != x) ? x : a);
}
double refT(int k, const std::vector<double>& p, size_t lo, size_t hi) {
  if (hi - lo == 1) return p[lo];
  size_t h = 1;
  while (h * 2 < hi - lo) h *= 2;
  return refC(k, refT(k, p, lo, lo + h), refT(k, p, lo + h, hi));
}
double refReduce(int k, const std::vector<double>& x) {
  const double lane = k == R_SUM ? -0.0 : k == R_PROD ? 1.0 : k == R_MAX ? -INFINITY : INFINITY;
  if (x.empty()) return k == R_SUM ? 0.0 : lane;
  std::vector<double> p;
  for (size_t b = 0; b < x.size(); b += 1024) {
    double a[8];
    for (double& v : a) v = lane;
    for (size_t i = b; i < x.size() && i < b + 1024; i++) a[(i - b) % 8] = refC(k, a[(i - b) % 8], x[i]);
    p.push_back(refC(k, refC(k, refC(k, a[0], a[1]), refC(k, a[2], a[3])), refC(k, refC(k, a[4], a[5]), refC(k, a[6], a[7]))));
  }
  return refT(k, p, 0, p.size());
}
/** same bits (−0 ≠ +0; any NaN equals any NaN) */
bool sameBits(double a, double b) { return (a != a && b != b) || (a == b && std::signbit(a) == std::signbit(b)); }

void reduceTests(const KernelTable* K) {
  const std::vector<double> all = inputs(7, 40000);
  std::vector<double> finite, zeros;
  for (double v : all) if (std::isfinite(v)) finite.push_back(v);
  for (size_t i = 0; i < 9000; i++) zeros.push_back(i % 3 ? -0.0 : i % 7 ? 5e-324 * double(i % 5) : -0.0);
  const int lengths[] = {0, 1, 2, 7, 8, 9, 15, 16, 17, 1023, 1024, 1025, 2048, 3 * 1024 + 17, 4096, 5000, 9 * 1024 + 5, 17 * 1024};
  for (int kind = 0; kind < R_COUNT; kind++) {
    const std::vector<double>* sources[] = {&all, &finite, &zeros};
    for (const std::vector<double>* src : sources) {
      for (int n : lengths) {
        if (n > int(src->size())) continue;
        std::vector<double> x(src->begin(), src->begin() + n);
        if (kind == R_PROD) for (double& v : x) v = 1 + v / 64;  // products that stay finite for a while
        const double want = refReduce(kind, x), got = K->reduceRow[kind](x.data(), n);
        CHECKF(sameBits(want, got), "reduceRow kind %d n %d at %s: %.17g vs %.17g", kind, n, K->name, want, got);
        if (n <= 1024) {
          const double b = K->reduceBlock[kind](x.data(), n);
          CHECKF(n == 0 || sameBits(want, b), "reduceBlock kind %d n %d at %s: %.17g vs %.17g", kind, n, K->name, want, b);
        }
      }
    }
    // columns: rows × cols with a leading dimension ≥ cols; every column equals the reference
    for (int rows : {0, 1, 7, 9, 1025, 2 * 1024 + 3, 5 * 1024 + 1}) {
      for (int cols : {1, 3, 4, 8, 16, 17, 37, 2048 + 3}) {
        const int ld = cols + (cols % 3);
        std::vector<double> x(size_t(rows) * ld + 1), out(size_t(cols), 12345.0);
        for (size_t i = 0; i < x.size(); i++) x[i] = all[(i * 7 + size_t(kind)) % all.size()];
        std::vector<double> scratch(size_t(colsScratch(rows, cols)) + 1, 777.0);
        scratch.back() = 4242.0;  // a canary after the scratch the kernel may use
        K->reduceCols[kind](x.data(), rows, cols, ld, out.data(), scratch.data());
        CHECKF(scratch.back() == 4242.0, "reduceCols kind %d %dx%d at %s wrote past its scratch", kind, rows, cols, K->name);
        for (int o = 0; o < cols; o++) {
          std::vector<double> col;
          for (int j = 0; j < rows; j++) col.push_back(x[size_t(j) * ld + o]);
          CHECKF(sameBits(refReduce(kind, col), out[o]), "reduceCols kind %d %dx%d col %d at %s", kind, rows, cols, o, K->name);
        }
      }
    }
  }
  // NaN propagates through max/min/sum/prod at every level
  std::vector<double> withNan = {1, 2, std::nan(""), 4, 5, 6, 7, 8, 9};
  for (int kind = 0; kind < R_COUNT; kind++) CHECKF(std::isnan(K->reduceRow[kind](withNan.data(), 9)), "reduce kind %d at %s drops NaN", kind, K->name);
}

void matmulTests(const KernelTable* K) {
  const MatmulShape& s = K->mm;
  std::vector<double> packA(size_t(mmScratchA(s)) + 8), packB(size_t(mmScratchB(s)) + 8);
  const int sizes[][3] = {{0, 3, 4}, {3, 0, 4}, {1, 1, 1}, {2, 3, 4}, {7, 5, 9}, {17, 33, 15}, {64, 64, 64}, {65, 129, 67}, {1, 300, 1}, {200, 3, 310}};
  uint32_t seed = 9;
  auto rnd = [&seed]() { seed = seed * 1664525u + 1013904223u; return double(seed >> 8) / double(1u << 24) - 0.5; };
  for (const auto& mkn : sizes) {
    const int m = mkn[0], k = mkn[1], n = mkn[2];
    std::vector<double> A(size_t(m) * k), B(size_t(k) * n);
    for (double& v : A) v = rnd();
    for (double& v : B) v = rnd();
    std::vector<double> At(A.size()), Bt(B.size());  // transposed copies, read through strides
    for (int i = 0; i < m; i++) for (int p = 0; p < k; p++) At[size_t(p) * m + i] = A[size_t(i) * k + p];
    for (int p = 0; p < k; p++) for (int j = 0; j < n; j++) Bt[size_t(j) * k + p] = B[size_t(p) * n + j];
    std::vector<double> want(size_t(m) * n, 0.0);
    for (int i = 0; i < m; i++)
      for (int j = 0; j < n; j++) {
        long double acc = 0;
        for (int p = 0; p < k; p++) acc += (long double)A[size_t(i) * k + p] * B[size_t(p) * n + j];
        want[size_t(i) * n + j] = double(acc);
      }
    for (int t = 0; t < 4; t++) {
      const bool ta = t & 1, tb = t & 2;
      std::vector<double> C(size_t(m) * n, 12345.0);
      K->matmul(ta ? At.data() : A.data(), ta ? 1 : k, ta ? m : 1, tb ? Bt.data() : B.data(), tb ? 1 : n, tb ? k : 1, C.data(), m, k, n,
                packA.data(), packB.data());
      double err = 0;
      for (size_t i = 0; i < C.size(); i++) err = std::fmax(err, std::fabs(C[i] - want[i]));
      CHECKF(err <= 1e-15 * (k + 1), "matmul %dx%dx%d (ta %d tb %d) at %s: max error %g", m, k, n, ta, tb, K->name, err);
    }
  }
}

}  // namespace

void kernelTests() {
  const KernelTable* ref = kernelTable(L_SCALAR);
  CHECK(ref != nullptr);
  if (!ref) return;
  for (int level = 0; level < L_COUNT; level++) {
    const KernelTable* K = kernelTable(level);
    if (!K) { std::printf("kernels: level %s not supported by this CPU, skipped\n", levelName(level)); continue; }
    unaryTests(ref, K);
    binaryTests(ref, K);
    ternaryTests(ref, K);
    reduceTests(K);
    matmulTests(K);
    std::printf("kernels: level %s checked\n", levelName(level));
  }
}
