// Kernel tests: every SIMD level this CPU runs against the scalar level (elementwise within a ulp
// bound, reductions bit-identical: the same pairwise order) and matmul against a naive triple loop,
// over lengths that hit every vector tail, in-place calls and strided (transposed) operands.
#include <cmath>
#include <cstdlib>
#include <limits>
#include <vector>
#include "check.h"
#include "dispatch.h"

using namespace wg;

namespace {

/** transcendental kernels may differ from the scalar level by rounding (TOOLCHAIN: libmvec within 4 ulp) */
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

void reduceTests(const KernelTable* ref, const KernelTable* K) {
  const std::vector<double> x = inputs(7, 2100);
  std::vector<double> finite;
  for (double v : x) if (std::isfinite(v)) finite.push_back(v);
  for (int kind = 0; kind < R_COUNT; kind++) {
    for (int n : {0, 1, 2, 3, 7, 8, 9, 255, 256, 257, 511, 512, 513, 1000, 2000}) {
      if (n > int(finite.size())) continue;
      const double want = ref->reduceRow[kind](finite.data(), n), got = K->reduceRow[kind](finite.data(), n);
      // the TS pairwise order is the contract: bit-identical to the scalar level
      CHECKF(wgt::ulps(want, got) == 0, "reduceRow kind %d n %d at %s: %.17g vs %.17g", kind, n, K->name, want, got);
      std::vector<double> accW(finite.begin(), finite.begin() + n), accG = accW;
      ref->accumRow[kind](accW.data(), finite.data() + 3, n > 3 ? n - 3 : 0);
      K->accumRow[kind](accG.data(), finite.data() + 3, n > 3 ? n - 3 : 0);
      for (int i = 0; i < n; i++) CHECKF(wgt::ulps(accW[i], accG[i]) == 0, "accumRow kind %d at %s [%d]", kind, K->name, i);
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
    reduceTests(ref, K);
    matmulTests(K);
    std::printf("kernels: level %s checked\n", levelName(level));
  }
}
