// The code table and the compiled tier's run entry (code.h). Baseline ISA only.
#include "code.h"
#include <dlfcn.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#include <cstdio>
#include <atomic>
#include <map>
#include <mutex>
#include <set>
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

namespace {
/** the rest of the file behind fd (freshly opened: all of it), or false */
bool readFd(int fd, std::string* out) {
  char buf[1 << 16];
  for (;;) {
    const ssize_t got = read(fd, buf, sizeof buf);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return got == 0;
    out->append(buf, size_t(got));
  }
}

/** the whole file at path, or false */
bool readAll(const std::string& path, std::string* out) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = readFd(fd, out);
  close(fd);
  return ok;
}

bool sameFile(const struct stat& a, const struct stat& b) { return a.st_dev == b.st_dev && a.st_ino == b.st_ino; }

/**
 * the loader's names for fds: glibc's dlopen returns an object already loaded under the same
 * name without opening the file, so a /proc/self/fd/N name is used once (N rises; tableMutex).
 * Paths whose dlopen (the fallback) loaded a file other than the one hashed: never used again.
 */
int nextFdName = 64;
std::set<std::string>* poisoned = nullptr;

/**
 * dlopen the file behind fd (hashed: st its fstat): /proc/self/fd/M of a fresh duplicate M, so what
 * is loaded is what was hashed; without /proc, dlopen(path), then path must still name fd's file
 */
void* openChecked(const std::string& path, int fd, const struct stat& st, std::string* why) {
  int named;
  {
    std::lock_guard<std::mutex> lock(tableMutex);
    named = fcntl(fd, F_DUPFD_CLOEXEC, nextFdName);
    if (named >= 0) nextFdName = named + 1;
  }
  struct stat now{};
  const std::string proc = "/proc/self/fd/" + std::to_string(named);
  void* lib = nullptr;
  if (named >= 0 && stat(proc.c_str(), &now) == 0 && sameFile(now, st)) {
    lib = dlopen(proc.c_str(), RTLD_NOW | RTLD_LOCAL);
  } else {
    lib = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (lib && (stat(path.c_str(), &now) != 0 || !sameFile(now, st))) {
      std::lock_guard<std::mutex> lock(tableMutex);
      if (!poisoned) poisoned = new std::set<std::string>();
      poisoned->insert(path);
      lib = nullptr;
      *why = "the cache entry was replaced while it was loaded";
    }
  }
  if (named >= 0) close(named);
  if (!lib && why->empty()) {
    const char* e = dlerror();
    *why = std::string("dlopen failed: ") + (e ? e : "unknown error");
  }
  return lib;
}
}  // namespace

std::string checkedPreload(const std::string& path, const std::string& hashPath) {
  {
    std::lock_guard<std::mutex> lock(tableMutex);
    if (poisoned && poisoned->count(path)) return "the cache entry was replaced while it was loaded";
  }
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "missing";
  // the object is hashed through fd, then its digest read, then fd's file (not the path's) loaded
  std::string bytes, want, why;
  struct stat st{};
  if (fstat(fd, &st) != 0 || !readFd(fd, &bytes) || !readAll(hashPath, &want)) why = "missing";
  while (!want.empty() && (want.back() == '\n' || want.back() == ' ' || want.back() == '\r')) want.pop_back();
  if (why.empty() && cg::sha256Hex(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()) != want) why = "corrupt";
  bool known = false;
  if (why.empty()) {
    std::lock_guard<std::mutex> lock(tableMutex);
    known = loadedObjects && loadedObjects->count(path);  // this key's object, checked when it was loaded
  }
  void* lib = why.empty() && !known ? openChecked(path, fd, st, &why) : nullptr;  // outside the lock: the main thread may attach meanwhile
  if (lib) {
    std::lock_guard<std::mutex> lock(tableMutex);
    if (!loadedObjects) loadedObjects = new std::map<std::string, void*>();
    void*& slot = (*loadedObjects)[path];
    if (!slot) slot = lib;  // else the same key's object (loaded objects stay mapped anyway)
  }
  // a hit marks its entry recently used (the cache's eviction order): here, not by a later libuv
  // round trip, whose wake-up of a pool thread could preempt the main thread mid-hit
  if (why.empty()) futimens(fd, nullptr);
  close(fd);
  return why;
}

std::string attachCode(ImageHeader* h, const std::string& path) {
  std::lock_guard<std::mutex> lock(tableMutex);
  if (!loadedObjects) loadedObjects = new std::map<std::string, void*>();
  const auto found = loadedObjects->find(path);
  if (found == loadedObjects->end()) return "the object at " + path + " was not loaded (checkedPreload)";
  void* lib = found->second;
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
