// The 0-d instructions of a K_SCALARS step: a tight loop over arena offsets (scalar-heavy
// programs, W3), one handler per op from kernels/scalar.h.
#include <atomic>
#include <mutex>
#include "exec.h"
#include "kernels/scalar.h"

namespace wg {
namespace detail {

// Direct threading (GCC labels as values): every handler ends in its own indirect jump, which
// the branch predictor learns per handler; a 0-d op costs a few ns instead of a switch mispredict.
void runScalarBlock(double* __restrict m, const SOp* s, const SOp* e) {
  // one handler per op of the elementwise families (generated lists): the decoder makes 0-d
  // instructions of these families only, so every op it can emit has its handler
  static void* handlers[kOpCount + 1];
  static std::atomic<bool> ready{false};
  static std::mutex filling;
  // the jump table is filled once (label addresses exist only inside this function); pool threads
  // may get here together, so the first fill is guarded (double-checked, release/acquire)
  if (!ready.load(std::memory_order_acquire)) {
    std::lock_guard<std::mutex> lock(filling);
    if (!ready.load(std::memory_order_relaxed)) {
      for (int i = 0; i < kOpCount + 1; i++) handlers[i] = &&h_refused;
#define WG_SET(N) handlers[OP_##N] = &&h_##N;
      WG_OPS_UNARY(WG_SET) WG_OPS_BINARY(WG_SET) WG_OPS_TERNARY(WG_SET)
#undef WG_SET
      handlers[kOpCount] = &&h_copy;
      ready.store(true, std::memory_order_release);
    }
  }
  double x;
#define WG_NEXT                                                                  \
  if (s == e) return;                                                            \
  x = m[s->a];                                                                   \
  goto* handlers[s->op == SC_COPY ? kOpCount : s->op];
  WG_NEXT
#define WG_H1(N) h_##N : m[s->o] = wg_op_##N(x); s++; WG_NEXT
#define WG_H2(N) h_##N : m[s->o] = wg_op_##N(x, m[s->b]); s++; WG_NEXT
#define WG_H3(N) h_##N : m[s->o] = wg_op_##N(x, m[s->b], m[s->c]); s++; WG_NEXT
  WG_OPS_UNARY(WG_H1)
  WG_OPS_BINARY(WG_H2)
  WG_OPS_TERNARY(WG_H3)
h_copy:
  m[s->o] = x;
  s++;
  WG_NEXT
h_refused:  // unreachable: decodeProgram emits no other op (kept so a table slot is never wild)
  abort();
#undef WG_H1
#undef WG_H2
#undef WG_H3
#undef WG_NEXT
}

}  // namespace detail
}  // namespace wg
