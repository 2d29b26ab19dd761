// Program images and arenas: native memory that no finalizer owns (DESIGN §8).
//
// The decoder's Program (program.h) is flattened into an *image*: one relocatable block of bytes
// (offsets, never pointers) that the addon writes into an ArrayBuffer it creates. Each evaluation
// runs with an *arena*, another such block holding everything a run writes: the arena values, the
// matmul and fused-chain scratch, the packed io region and the per-run pointer tables. V8 frees
// both blocks during garbage collection when they become unreachable — no finalizer, no turn of
// the event loop — and counts them as external memory. An image is read-only while it runs, so
// one image can run with several arenas at once (each evaluation owns its arena: `busy`).
//
// Trust: both blocks are reachable from JS, so every call re-checks their headers — magic,
// version, length, and tag = mix(per-process random key, id, length, level), which only this
// process can produce: a buffer the addon did not make, or made for another image, is refused.
// An image's body behind a valid header is trusted (the TS layer never hands images out).
//
//   image  [ImageHeader][IoEntry × (nin + nout)][Step × nsteps][SOp × nsops][i64 plan][f64 consts × constEnd]
//          [SubEntry × nsubs][sub-images]
//   arena  [ArenaHeader][f64 io × ioValues][ext ptr][Span][fused regs: ptr, i64 stride, i32 row]
//          [slack to 64 B][f64 memory × regionSize][packA][packB][fused scratch][reduce scratch][linalg scratch]   (each 64-B aligned)
// A sub-image is a loop body's program in the same layout (its header's magic kSubMagic, no tag),
// at SubEntry::image bytes from its parent image's start; nested bodies nest the same way. A
// program's memory is its arena values [0, arenaSize) followed by its loops' regions: state buffers
// and, per body, a pointer table (SubEntry::ext) and the body's own memory (SubEntry::mem), both
// in values from the parent's memory — so every body's values live inside the one arena of an
// evaluation, and concurrent evaluations (separate arenas) stay independent. Scratch (packA …
// linalg) is shared: it lives only during one step, of whichever program runs it.
#pragma once
#include <vector>
#include "program.h"

struct wg_rt;
struct wg_body;

namespace wg {

constexpr uint32_t kImageMagic = 0x31494757;  // "WGI1"
constexpr uint32_t kArenaMagic = 0x31414757;  // "WGA1"
constexpr uint32_t kSubMagic = 0x31534757;    // "WGS1"
constexpr uint32_t kImageVersion = 3;
/** programs whose inputs and outputs hold at most this many values get an io region in each arena (runPacked) */
constexpr i64 kMaxPackedValues = 1024;

/** input k: size, aux = arena copy offset or −1;  output k: size, loc, aux = 1 when written in place */
struct IoEntry { i64 size; i64 loc; i64 aux; };

/** one buffer of a run as a byte range (id: input k, or output nin + k), for the overlap check */
struct Span { const char* b; const char* e; int32_t id; };

/** a loop body of a program: its sub-image (bytes from the parent image), pointer table and memory (values from the parent's memory) */
struct SubEntry { i64 image; i64 ext; i64 mem; };

struct ImageHeader {
  uint32_t magic, version;
  uint64_t tag, id;
  i64 bytes;                 // this image with its sub-images
  int32_t level, nin, nout, nsteps;
  i64 nsops, nplan, ninstr;
  i64 arenaSize, constEnd;   // values
  i64 regionSize;            // values of this program's memory (arenaSize, then its loops' regions)
  int32_t pinned, nsubs;     // inputs never written; loop bodies
  i64 offSubs;               // bytes, from the image start
  i64 ioValues;              // Σ input sizes + Σ output sizes
  i64 ioRegion;              // values of the arena's io region: ioValues, or 0 above kMaxPackedValues
  int32_t nreg;
  uint32_t users;            // async evaluations holding the image (atomic; not part of the tag)
  int32_t code;              // compiled tier: slot in the code table (codegen/code.h), 0 = none (atomic; not part of the tag)
  int32_t interpret;         // 1: run on the interpreter even with code attached (the tiers' bit comparison; atomic)
  i64 offIo, offSteps, offSops, offPlan, offConsts;   // bytes, from the image start
  i64 arenaBytes;            // the length of every arena of this image
  i64 aIo, aExt, aSpans, aRegs, aStride, aRow, aMem;  // arena sections, bytes from its start
  i64 aPackA, aPackB, aScratch, aReduce, aLinalg;     // values, from the aligned value region
};

struct ArenaHeader {
  uint32_t magic;
  uint32_t busy;  // 1 while an evaluation owns the arena (atomic)
  uint64_t tag, imageId;
  i64 bytes;
  int32_t level, reserved0;
  i64 reserved[3];
};
static_assert(sizeof(ArenaHeader) == 64, "the arena header is one cache line");

/** an image's sections, resolved for one call (a sub-image's too) */
struct ImageView {
  const ImageHeader* h;
  const KernelTable* K;
  const char* base;
  const IoEntry* io;  // inputs, then outputs
  const Step* steps;
  const SOp* sops;
  const i64* plan;
  const double* consts;
  const SubEntry* subs;
};

/** the view of body k of v (a sub-image: trusted like its parent) */
ImageView subView(const ImageView& v, i64 k);

/** an arena's sections, resolved for one call */
struct ArenaView {
  ArenaHeader* h;
  double* io;
  double** ext;
  Span* spans;
  const double** regs;
  i64* stride;
  int32_t* row;
  double* mem;  // 64-byte aligned
  double* packA;
  double* packB;
  double* scratch;
  double* reduce;  // column-reduction scratch
  double* linalg;  // linear-algebra scratch
  // the compiled tier, for one evaluation running compiled code (codegen/code.h), else null
  const struct wg_rt* rt = nullptr;
  const struct wg_body* bodies = nullptr;  // compiled loop bodies, by sub-image offset
  i64 nbodies = 0;
  const char* root = nullptr;               // the program image's start (offsets of bodies)
};

/** bytes of P's image */
i64 imageBytes(const Program& P);
/** write P's image (imageBytes(P) bytes) at dst, 8-byte aligned */
void writeImage(const Program& P, void* dst);
/** the sections of the image at data[0, len); false (and err) when it is not an image this process made */
bool viewImage(const void* data, size_t len, ImageView* v, Error* err);
/** fill a fresh arena (v.h->arenaBytes bytes, 8-byte aligned): header and constants */
void initArena(const ImageView& v, void* data);
/** the sections of the arena at data[0, len); false (and err) unless it was made for this image */
bool viewArena(const ImageView& v, void* data, size_t len, ArenaView* a, Error* err);
/** whether data[0, len) is an image, or an arena, this process made (header checks only) */
bool isImage(const void* data, size_t len);
bool isArena(const void* data, size_t len);
/** take the arena for one evaluation; false when another evaluation owns it */
bool claimArena(ArenaHeader* h);
void releaseArena(ArenaHeader* h);

/** one evaluation (exec.cc): inputs and outputs are the caller's arrays, lengths already unwrapped */
Error runImage(const ImageView& v, const ArenaView& a, const double* const* in, const i64* inLen, double* const* out,
               const i64* outLen);

/**
 * iterations a run of v may take at most (loop trip counts multiplied through the nesting), or −1
 * when a whileLoop has no maxIterations: harnesses that run arbitrary encodings skip long runs
 */
double iterationBound(const ImageView& v);

/** An image and one arena in plain C++ memory (C++ tests, fuzz target); calloc'd like V8's buffers. */
struct OwnedProgram {
  void* image = nullptr;
  void* arena = nullptr;
  ImageView v{};
  ArenaView a{};
  OwnedProgram() = default;
  OwnedProgram(const OwnedProgram&) = delete;
  OwnedProgram& operator=(const OwnedProgram&) = delete;
  ~OwnedProgram();
  i64 memoryBytes() const { return v.h ? v.h->arenaBytes : 0; }
  Error run(const double* const* in, const i64* inLen, double* const* out, const i64* outLen) const {
    return runImage(v, a, in, inLen, out, outLen);
  }
};
/** decode, flatten and give an arena; false (and err) when the encoding is refused */
bool buildProgram(const int32_t* enc, i64 encLen, const double* consts, i64 constLen, const KernelTable* K,
                  OwnedProgram* out, Error* err);

}  // namespace wg
