// Aᵀ·x over many terms (a matrix–vector product whose columns of A are contiguous: y[i] = Σ_p
// A(i,p)·x[p], k ≥ 2·kGemvGroup terms): the terms in groups of G, each group's partial summed in
// term order from 0 by the level's gemvAcc, the partials added in group order, y = ((P₀ + P₁) + P₂)
// + …. G depends only on the sizes, so the interpreter (threaded.cc: the groups on the pool at any
// thread count) and the compiled tier's matrix–vector pass (codegen/matvec.cc: z's rows, the chains
// and y's partial per group, one group per chunk) give the same bits for every thread count.
#pragma once
#include <cstdint>

namespace wg {

/** terms per group at least (a multiple of the pass's 256-row blocks and of a sum's 1024-value blocks) */
constexpr int64_t kGemvGroup = 2048;
/** partials held at most (doubles: m per group) */
constexpr int64_t kGemvPartials = 8192;

/** terms per group for m outputs of k terms each: kGemvGroup·2ʲ, the smallest whose partials fit; 0: one pass in term order */
inline int64_t gemvGroupTerms(int64_t m, int64_t k) {
  if (m < 1 || k < 2 * kGemvGroup) return 0;
  for (int64_t g = kGemvGroup;; g *= 2) {
    const int64_t groups = (k + g - 1) / g;
    if (groups < 2) return 0;
    if (groups * ((m + 7) / 8 * 8) <= kGemvPartials) return g;
  }
}

}  // namespace wg
