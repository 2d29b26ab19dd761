// Stencils (stencil.cc: matching, stencil_code.cc: the generated loops), shared by the two files.
// Baseline ISA only.
#pragma once
#include <string>
#include <vector>
#include "../kernels/table.h"
#include "emitter.h"
#include "pads.h"

namespace wg {
namespace cg {

constexpr i64 kMaxHalo = 64;  // pads shifted further stay the interpreter's

/** a full reduction of a chain register: a step's (row: its output row, sum −1) or the chain's own sum (sum: its index) */
struct Red { int32_t step; i64 out; int kind; int row; int reg; int sum; };

struct Group {
  i64 n = 0, base = 0;  // values per chain row, the first row's arena location
  int nouts = 0;
  std::vector<Red> reds;
  int32_t consumer = -1, last = -1;
  std::vector<Pad> pads;
  std::vector<int> padOf;            // consumer operand → pad, −1
  std::vector<int> padRow;           // pad → chain row
  std::vector<i64> shift;            // pad → chain index − consumer index
  std::vector<uint8_t> absorbed;     // chain row → kept in a tile buffer only
  i64 minS = 0, maxS = 0;
  int rowOf(i64 loc) const { return loc >= base && loc < base + nouts * n ? int((loc - base) / n) : -1; }
};

/** the values of the pad-fed row (the consumer) */
i64 consumerSize(const ImageView& v, const Group& g);
/** chain row r is kept in tile buffers and read by a pad: a following general tile reads its halo */
bool haloRow(const Group& g, int r);
/** the lane identity of reduction kind k, as C */
const char* reductionIdentity(int k);
/** the canonical order's pieces for reduction kind k (wg_rc<k>, wg_rlanes<k>, …), once per source */
void reductionHelpers(std::string& out, int k);
/** the pad-fed row over [j0, j1) of the tile at t0, as a function (into out); its call returned */
std::string consumerFn(const ImageView& v, const Group& g, const std::string& fn, i64 H, std::string& out);
/** the interior tiles' loop (stencil_code.cc); its call returned, *cond: when a tile may take it */
std::string fastFn(const ImageView& v, const i64* chain, const Group& g, const std::string& fn, i64 H,
                   const std::vector<std::string>& rowHome, std::string& out, std::string* cond);

}  // namespace cg
}  // namespace wg
