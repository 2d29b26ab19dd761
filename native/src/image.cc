// Images and arenas (image.h): layout, the per-process key that marks them as made here, and the
// checks every call runs on them.
#include "image.h"
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <ctime>
#if defined(__linux__)
#include <sys/random.h>
#endif
#include "decoder.h"
#include "dispatch.h"

namespace wg {

namespace {

uint64_t mix64(uint64_t x) {  // splitmix64's finalizer: a bijection that spreads every input bit
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

/** random once per process (never 0); images and arenas carry tags derived from it */
uint64_t processKey() {
  static const uint64_t key = [] {
    uint64_t k = 0;
#if defined(__linux__)
    if (getrandom(&k, sizeof k, 0) != ssize_t(sizeof k)) k = 0;
#endif
    timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    k ^= mix64(uint64_t(t.tv_nsec) ^ (uint64_t(t.tv_sec) << 32) ^ uint64_t(reinterpret_cast<uintptr_t>(&t)));
    return k ? k : 0x9e3779b97f4a7c15ULL;
  }();
  return key;
}

uint64_t tagOf(uint64_t kind, uint64_t id, i64 bytes, int32_t level) {
  return mix64(processKey() ^ mix64(kind ^ mix64(id ^ mix64(uint64_t(bytes) ^ (uint64_t(uint32_t(level)) << 56)))));
}

constexpr i64 up8(i64 n) { return (n + 7) & ~i64(7); }
constexpr i64 up64(i64 n) { return (n + 63) & ~i64(63); }

/** the arena sections of an image (header fields a*) */
void layoutArena(ImageHeader* h, const Program& P) {
  const i64 nio = i64(P.nin) + P.nout, nreg = P.nreg;
  i64 at = i64(sizeof(ArenaHeader));
  h->ioRegion = h->ioValues <= kMaxPackedValues ? h->ioValues : 0;
  h->aIo = at; at += 8 * h->ioRegion;
  h->aExt = at; at += 8 * nio;
  h->aSpans = at; at += i64(sizeof(Span)) * nio;
  h->aRegs = at; at += 8 * nreg;
  h->aStride = at; at += 8 * nreg;
  h->aRow = at; at = up8(at + 4 * nreg);
  h->aMem = at;
  // values at the first 64-byte boundary after aMem (an ArrayBuffer is at least 8-byte aligned);
  // the memory holds the loop bodies' regions after the program's own values
  i64 vals = up8(P.regionSize);
  h->aPackA = vals; vals += up8(P.packA);
  h->aPackB = vals; vals += up8(P.packB);
  h->aScratch = vals; vals += up8(P.fscratchSize);
  h->aReduce = vals; vals += up8(P.reduceScratch);
  h->aLinalg = vals; vals += up8(P.linalgScratch);
  h->arenaBytes = at + 64 + 8 * vals;
}


/** bytes of P's own sections (without its sub-images) */
i64 ownBytes(const Program& P) {
  const i64 nio = i64(P.nin) + P.nout;
  return i64(sizeof(ImageHeader)) + i64(sizeof(IoEntry)) * nio + i64(sizeof(Step)) * i64(P.steps.size()) +
         up8(i64(sizeof(SOp)) * i64(P.sops.size())) + 8 * i64(P.plan.size()) + 8 * P.constEnd + i64(sizeof(SubEntry)) * i64(P.subs.size());
}

/** P's sections at base (a root image or a sub-image); returns the bytes written, sub-images included */
i64 writeProgram(const Program& P, char* base, uint32_t magic) {
  ImageHeader* h = reinterpret_cast<ImageHeader*>(base);
  std::memset(h, 0, sizeof *h);
  h->magic = magic;
  h->version = kImageVersion;
  h->level = P.K->level;
  h->nin = P.nin; h->nout = P.nout; h->nsteps = int32_t(P.steps.size());
  h->nsops = i64(P.sops.size()); h->nplan = i64(P.plan.size()); h->ninstr = P.ninstr;
  h->arenaSize = P.arenaSize; h->constEnd = P.constEnd; h->regionSize = P.regionSize;
  h->pinned = P.pinned; h->nsubs = int32_t(P.subs.size());
  h->nreg = P.nreg;
  i64 at = sizeof(ImageHeader);
  IoEntry* io = reinterpret_cast<IoEntry*>(base + at);
  h->offIo = at; at += i64(sizeof(IoEntry)) * (i64(P.nin) + P.nout);
  for (int32_t k = 0; k < P.nin; k++) {
    const Var& x = P.vars[P.inputs[k]];
    io[k] = IoEntry{x.size, x.loc, x.ref >= 0 ? i64(x.ref) : -1};
    h->ioValues += x.size;
  }
  for (int32_t k = 0; k < P.nout; k++) {
    const Var& x = P.vars[P.outputs[k]];
    io[P.nin + k] = IoEntry{x.size, x.loc, x.ext == P.nin + k && x.off == 0 ? 1 : 0};
    h->ioValues += x.size;
  }
  h->offSteps = at; at += i64(sizeof(Step)) * h->nsteps;
  h->offSops = at; at += up8(i64(sizeof(SOp)) * h->nsops);
  h->offPlan = at; at += 8 * h->nplan;
  h->offConsts = at; at += 8 * P.constEnd;
  h->offSubs = at; at += i64(sizeof(SubEntry)) * h->nsubs;
  if (h->nsteps) std::memcpy(base + h->offSteps, P.steps.data(), sizeof(Step) * P.steps.size());
  if (h->nsops) std::memcpy(base + h->offSops, P.sops.data(), sizeof(SOp) * P.sops.size());
  if (h->nplan) std::memcpy(base + h->offPlan, P.plan.data(), 8 * P.plan.size());
  if (P.constEnd) std::memcpy(base + h->offConsts, P.constValues.data(), 8 * size_t(P.constEnd));
  SubEntry* subs = reinterpret_cast<SubEntry*>(base + h->offSubs);
  for (size_t k = 0; k < P.subs.size(); k++) {
    subs[k] = SubEntry{at, P.subExt[k], P.subMem[k]};
    at += writeProgram(*P.subs[k], base + at, kSubMagic);
  }
  h->bytes = at;
  return at;
}

/** copy the constants of v and of every body below it into the memory at mem */
void initConstants(const ImageView& v, double* mem) {
  if (v.h->constEnd) std::memcpy(mem, v.consts, 8 * size_t(v.h->constEnd));
  for (i64 k = 0; k < v.h->nsubs; k++) initConstants(subView(v, k), mem + v.subs[k].mem);
}

}  // namespace

static_assert(sizeof(ImageHeader) % 8 == 0 && sizeof(SubEntry) % 8 == 0 && sizeof(IoEntry) % 8 == 0 && sizeof(Step) % 8 == 0,
              "image sections stay 8-byte aligned");

i64 imageBytes(const Program& P) {
  i64 n = ownBytes(P);
  for (const auto& b : P.subs) n += imageBytes(*b);
  return n;
}

void writeImage(const Program& P, void* dst) {
  static std::atomic<uint64_t> nextId{1};
  ImageHeader* h = static_cast<ImageHeader*>(dst);
  writeProgram(P, static_cast<char*>(dst), kImageMagic);
  h->id = mix64(nextId.fetch_add(1, std::memory_order_relaxed) ^ processKey());
  layoutArena(h, P);
  h->tag = tagOf(kImageMagic, h->id, h->bytes, h->level);
}

ImageView subView(const ImageView& v, i64 k) {
  const char* base = v.base + v.subs[k].image;
  const ImageHeader* h = reinterpret_cast<const ImageHeader*>(base);
  return ImageView{h, v.K, base, reinterpret_cast<const IoEntry*>(base + h->offIo), reinterpret_cast<const Step*>(base + h->offSteps),
                   reinterpret_cast<const SOp*>(base + h->offSops), reinterpret_cast<const i64*>(base + h->offPlan),
                   reinterpret_cast<const double*>(base + h->offConsts), reinterpret_cast<const SubEntry*>(base + h->offSubs)};
}

bool isImage(const void* data, size_t len) {
  const ImageHeader* h = static_cast<const ImageHeader*>(data);
  return data && len >= sizeof(ImageHeader) && (reinterpret_cast<uintptr_t>(data) & 7) == 0 && h->magic == kImageMagic &&
         h->version == kImageVersion && h->bytes == i64(len) && h->tag == tagOf(kImageMagic, h->id, h->bytes, h->level);
}

bool isArena(const void* data, size_t len) {
  const ArenaHeader* h = static_cast<const ArenaHeader*>(data);
  return data && len >= sizeof(ArenaHeader) && (reinterpret_cast<uintptr_t>(data) & 7) == 0 && h->magic == kArenaMagic &&
         h->bytes == i64(len) && h->tag == tagOf(kArenaMagic, h->imageId, h->bytes, h->level);
}

bool viewImage(const void* data, size_t len, ImageView* v, Error* err) {
  const ImageHeader* h = static_cast<const ImageHeader*>(data);
  if (!isImage(data, len)) {
    *err = detail::mk(S_FORMAT, -1, "expected a program image made by this process (wengert decode) but received %zu other bytes", len);
    return false;
  }
  const KernelTable* K = kernelTable(h->level);
  if (!K) { *err = detail::mk(S_FORMAT, -1, "the image needs SIMD level %d, which this CPU lacks", h->level); return false; }
  const char* base = static_cast<const char*>(data);
  *v = ImageView{h, K, base, reinterpret_cast<const IoEntry*>(base + h->offIo), reinterpret_cast<const Step*>(base + h->offSteps),
                 reinterpret_cast<const SOp*>(base + h->offSops), reinterpret_cast<const i64*>(base + h->offPlan),
                 reinterpret_cast<const double*>(base + h->offConsts), reinterpret_cast<const SubEntry*>(base + h->offSubs)};
  return true;
}

void initArena(const ImageView& v, void* data) {
  ArenaHeader* a = static_cast<ArenaHeader*>(data);
  std::memset(a, 0, sizeof *a);
  a->magic = kArenaMagic;
  a->imageId = v.h->id;
  a->bytes = v.h->arenaBytes;
  a->level = v.h->level;
  a->tag = tagOf(kArenaMagic, a->imageId, a->bytes, a->level);
  ArenaView av;
  Error ignored;
  if (viewArena(v, data, size_t(a->bytes), &av, &ignored)) initConstants(v, av.mem);
}

bool viewArena(const ImageView& v, void* data, size_t len, ArenaView* a, Error* err) {
  ArenaHeader* h = static_cast<ArenaHeader*>(data);
  if (!isArena(data, len) || h->imageId != v.h->id || h->bytes != v.h->arenaBytes || h->level != v.h->level) {
    *err = detail::mk(S_FORMAT, -1, "expected an arena made for this program image but received %zu other bytes", len);
    return false;
  }
  char* base = static_cast<char*>(data);
  const ImageHeader& m = *v.h;
  double* mem = reinterpret_cast<double*>(up64(i64(reinterpret_cast<uintptr_t>(base + m.aMem))));
  *a = ArenaView{h, reinterpret_cast<double*>(base + m.aIo), reinterpret_cast<double**>(base + m.aExt),
                 reinterpret_cast<Span*>(base + m.aSpans), reinterpret_cast<const double**>(base + m.aRegs),
                 reinterpret_cast<i64*>(base + m.aStride), reinterpret_cast<int32_t*>(base + m.aRow), mem,
                 mem + m.aPackA, mem + m.aPackB, mem + m.aScratch, mem + m.aReduce, mem + m.aLinalg};
  return true;
}

bool claimArena(ArenaHeader* h) {
  uint32_t idle = 0;
  return __atomic_compare_exchange_n(&h->busy, &idle, 1u, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

void releaseArena(ArenaHeader* h) { __atomic_store_n(&h->busy, 0u, __ATOMIC_RELEASE); }

OwnedProgram::~OwnedProgram() {
  std::free(image);
  std::free(arena);
}

bool buildProgram(const int32_t* enc, i64 encLen, const double* consts, i64 constLen, const KernelTable* K,
                  OwnedProgram* out, Error* err) {
  Program* P = decodeProgram(enc, encLen, consts, constLen, K, err);
  if (!P) return false;
  const i64 bytes = imageBytes(*P);
  out->image = std::calloc(size_t(bytes), 1);
  if (out->image) writeImage(*P, out->image);
  delete P;
  if (!out->image) { *err = detail::mk(S_ALLOC, -1, "could not allocate %lld bytes", (long long)bytes); return false; }
  if (!viewImage(out->image, size_t(bytes), &out->v, err)) return false;
  out->arena = std::calloc(size_t(out->v.h->arenaBytes), 1);  // untouched pages stay unmapped
  if (!out->arena) { *err = detail::mk(S_ALLOC, -1, "could not allocate %lld bytes", (long long)out->v.h->arenaBytes); return false; }
  initArena(out->v, out->arena);
  return viewArena(out->v, out->arena, size_t(out->v.h->arenaBytes), &out->a, err);
}

// loop steps' trip counts (plan: decode_loops.cc) multiplied through the nesting
double iterationBound(const ImageView& v) {
  double worst = 1;
  for (int32_t i = 0; i < v.h->nsteps; i++) {
    if (v.steps[i].kind != K_LOOP) continue;
    const i64* p = v.plan + v.steps[i].planOff;
    if (p[0] != LK_SCAN && !p[7]) return -1;
    double body = 1;
    for (int k = 0; k < 3; k++) {
      if (p[9 + k] < 0) continue;
      const double b = iterationBound(subView(v, p[9 + k]));
      if (b < 0) return -1;
      body += b;
    }
    worst += double(p[6] + 1) * body;
  }
  return worst;
}

}  // namespace wg
