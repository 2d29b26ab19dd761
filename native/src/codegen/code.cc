// The code table and the compiled tier's run entry (code.h). Baseline ISA only.
#include "code.h"
#include <dlfcn.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <cstdio>
#include <atomic>
#include <map>
#include <mutex>
#include "../exec.h"
#include "sha256.h"
#include "../threads.h"

namespace wg {

namespace {

std::atomic<uint64_t> slotImage[kCodeSlots];  // image id, 0 = free
std::atomic<wg_program_fn> slotFn[kCodeSlots];
const wg_body* slotBodies[kCodeSlots];  // written before the slot's image id is published
i64 slotNBodies[kCodeSlots];
std::mutex tableMutex;
/** shared objects by path: loaded once, never closed (a run may still be inside one) */
std::map<std::string, void*>* loadedObjects = nullptr;

struct StepCtx {
  const ImageView* v;
  const ArenaView* A;
  double* mem;
  double* const* ext;
  Error* err;
};

void parChunks(void (*fn)(void*, int64_t), void* ctx, int64_t chunks) { parallelFor(chunks, fn, ctx); }

int stepCallback(void* ctx, int32_t index) {
  StepCtx* c = static_cast<StepCtx*>(ctx);
  if (index < 0 || index >= c->v->h->nsteps) {
    c->err->status = S_FORMAT;
    c->err->message = "compiled code asked for a step out of range";
    return 0;
  }
  return detail::runStep(*c->v, *c->A, c->mem, c->ext, index, c->err) ? 1 : 0;
}

}  // namespace

CodeRef codeOf(const ImageHeader* h) {
  const int32_t slot = __atomic_load_n(&h->code, __ATOMIC_ACQUIRE);
  if (slot <= 0 || slot >= kCodeSlots || __atomic_load_n(&h->interpret, __ATOMIC_RELAXED)) return CodeRef{};
  if (slotImage[slot].load(std::memory_order_acquire) != h->id) return CodeRef{};
  return CodeRef{slotFn[slot].load(std::memory_order_acquire), slotBodies[slot], slotNBodies[slot]};
}

std::string preloadCode(const std::string& path) {
  void* lib = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);  // outside the lock: the main thread may attach meanwhile
  if (!lib) {
    const char* e = dlerror();
    return std::string("dlopen failed: ") + (e ? e : "unknown error");
  }
  std::lock_guard<std::mutex> lock(tableMutex);
  if (!loadedObjects) loadedObjects = new std::map<std::string, void*>();
  void*& known = (*loadedObjects)[path];
  if (!known) known = lib;  // else the same handle (dlopen counts references; objects stay mapped anyway)
  return "";
}

namespace {
/** the whole file at path, or false */
bool readAll(const std::string& path, std::string* out) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return false;
  char buf[1 << 16];
  size_t got;
  while ((got = std::fread(buf, 1, sizeof buf, f)) > 0) out->append(buf, got);
  const bool ok = !std::ferror(f);
  std::fclose(f);
  return ok;
}
}  // namespace

std::string checkedPreload(const std::string& path, const std::string& hashPath) {
  std::string want, bytes;
  if (!readAll(hashPath, &want) || !readAll(path, &bytes)) return "missing";
  while (!want.empty() && (want.back() == '\n' || want.back() == ' ' || want.back() == '\r')) want.pop_back();
  if (cg::sha256Hex(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()) != want) return "corrupt";
  std::string why = preloadCode(path);
  // a hit marks its entry recently used (the cache's eviction order): here, not by a later libuv
  // round trip, whose wake-up of a pool thread could preempt the main thread mid-hit
  if (why.empty()) utimensat(AT_FDCWD, path.c_str(), nullptr, 0);
  return why;
}

std::string attachCode(ImageHeader* h, const std::string& path) {
  std::lock_guard<std::mutex> lock(tableMutex);
  if (!loadedObjects) loadedObjects = new std::map<std::string, void*>();
  void*& lib = (*loadedObjects)[path];
  if (!lib) {
    lib = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
      loadedObjects->erase(path);
      const char* e = dlerror();
      return std::string("dlopen failed: ") + (e ? e : "unknown error");
    }
  }
  const int32_t* abi = static_cast<const int32_t*>(dlsym(lib, "wg_code_abi"));
  void* fn = dlsym(lib, "wg_program");
  if (!abi || !fn) return "the shared object has no wg_program / wg_code_abi symbol";
  if (*abi != WG_CODE_ABI) return "the shared object was compiled for code ABI " + std::to_string(*abi);
  const wg_body* bodies = static_cast<const wg_body*>(dlsym(lib, "wg_bodies"));
  const int32_t* nbodies = static_cast<const int32_t*>(dlsym(lib, "wg_nbodies"));
  if (!bodies || !nbodies || *nbodies < 0) return "the shared object has no wg_bodies / wg_nbodies symbol";
  // every body offset must name a sub-image of this image (checked once here, trusted at run time)
  for (int32_t i = 0; i < *nbodies; i++)
    if (bodies[i].offset <= 0 || bodies[i].offset >= h->bytes || !bodies[i].fn) return "the shared object's loop bodies do not fit this program";
  int32_t slot = __atomic_load_n(&h->code, __ATOMIC_RELAXED);
  if (slot <= 0 || slot >= kCodeSlots || slotImage[slot].load() != h->id) {
    slot = 0;
    for (int32_t s = 1; s < kCodeSlots && !slot; s++)
      if (slotImage[s].load() == 0) slot = s;
    if (!slot) return "the code table is full (" + std::to_string(kCodeSlots - 1) + " compiled programs)";
  }
  slotFn[slot].store(reinterpret_cast<wg_program_fn>(fn), std::memory_order_release);
  slotBodies[slot] = *nbodies ? bodies : nullptr;
  slotNBodies[slot] = *nbodies;
  slotImage[slot].store(h->id, std::memory_order_release);
  __atomic_store_n(&h->code, slot, __ATOMIC_RELEASE);
  return "";
}

void detachCode(ImageHeader* h) {
  std::lock_guard<std::mutex> lock(tableMutex);
  const int32_t slot = __atomic_load_n(&h->code, __ATOMIC_RELAXED);
  __atomic_store_n(&h->code, 0, __ATOMIC_RELEASE);
  if (slot > 0 && slot < kCodeSlots && slotImage[slot].load() == h->id) slotImage[slot].store(0, std::memory_order_release);
}

void freeCodeSlot(int32_t slot) {
  std::lock_guard<std::mutex> lock(tableMutex);
  if (slot > 0 && slot < kCodeSlots) slotImage[slot].store(0, std::memory_order_release);
}

bool runCompiled(const CodeRef& code, const ImageView& v, const ArenaView& A0, double* mem, double* const* ext, Error* err) {
  ArenaView A = A0;
  StepCtx ctx{&v, &A, mem, ext, err};
  wg_rt rt;
  rt.abi = WG_CODE_ABI;
  rt.unary = reinterpret_cast<const wg_unary_fn*>(v.K->unary);
  rt.binary = reinterpret_cast<const wg_binary_fn*>(v.K->binary);
  rt.ternary = reinterpret_cast<const wg_ternary_fn*>(v.K->ternary);
  rt.step = stepCallback;
  rt.ctx = &ctx;
  rt.scratch = A.scratch;
  rt.range = detail::runRange;
  rt.matmul = v.K->matmul;
  rt.gemv_acc = v.K->gemvAcc;
  rt.par = parChunks;
  rt.threads = threadCount();
  A.rt = &rt;
  A.bodies = code.bodies;
  A.nbodies = code.nbodies;
  A.root = v.base;
  return code.fn(mem, ext, &rt) == 0;
}

}  // namespace wg
