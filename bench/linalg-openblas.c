// The OpenBLAS baseline of bench/linalg.ts (bench-only: Debian's libopenblas0-serial, never a
// dependency of wengert). bench/linalg.ts compiles this file on the fly and runs it between its own
// timings, so both are measured in the same sitting on the same inputs.
//
//   linalg-openblas potrf N REPS A.bin OUT.bin        L with A = L·Lᵀ (row-major lower triangle)
//   linalg-openblas gesv  N REPS A.bin B.bin OUT.bin  x with A·x = b (one right-hand side)
//
// A.bin holds A row-major as raw float64. Each rep copies the inputs into work buffers (LAPACK
// factors in place) and calls the routine; the copy is timed with it. Prints one JSON line:
// {"info":LAPACK info,"cpuMs":CPU time per rep,"ms":[per-rep wall milliseconds]}; writes the last
// result to OUT.bin.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

// LAPACK's Fortran entry points, as libopenblas exports them
void dpotrf_(const char* uplo, const int* n, double* a, const int* lda, int* info);
void dgesv_(const int* n, const int* nrhs, double* a, const int* lda, int* ipiv, double* b, const int* ldb, int* info);

static double* readDoubles(const char* path, size_t count) {
  FILE* f = fopen(path, "rb");
  if (!f) { perror(path); exit(2); }
  double* x = malloc(count * sizeof(double));
  if (fread(x, sizeof(double), count, f) != count) { fprintf(stderr, "%s: short read\n", path); exit(2); }
  fclose(f);
  return x;
}

static void writeDoubles(const char* path, const double* x, size_t count) {
  FILE* f = fopen(path, "wb");
  if (!f || fwrite(x, sizeof(double), count, f) != count) { perror(path); exit(2); }
  fclose(f);
}

static double clockMs(clockid_t c) {
  struct timespec t;
  clock_gettime(c, &t);
  return t.tv_sec * 1e3 + t.tv_nsec * 1e-6;
}
static double nowMs(void) { return clockMs(CLOCK_MONOTONIC); }

int main(int argc, char** argv) {
  if (argc < 6) { fprintf(stderr, "usage: linalg-openblas potrf|gesv N REPS A.bin [B.bin] OUT.bin\n"); return 2; }
  const int gesv = strcmp(argv[1], "gesv") == 0, n = atoi(argv[2]), reps = atoi(argv[3]);
  const size_t nn = (size_t)n * n;
  double* a = readDoubles(argv[4], nn);
  double* b = gesv ? readDoubles(argv[5], n) : NULL;
  const char* outPath = argv[gesv ? 6 : 5];
  // column-major: the upper triangle of the column-major buffer is the lower one of the row-major
  // A, so 'U' factors in place to the row-major L; for gesv, A is transposed once, outside the timing
  double* colMajor = malloc(nn * sizeof(double));
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) colMajor[(size_t)j * n + i] = a[(size_t)i * n + j];
  const double* src = gesv ? colMajor : a;
  double* work = malloc(nn * sizeof(double));
  double* x = malloc((size_t)n * sizeof(double));
  int* ipiv = malloc((size_t)n * sizeof(int));
  int info = 0, one = 1;
  double* ms = malloc((size_t)(reps + 2) * sizeof(double));
  double cpu0 = 0;
  for (int r = 0; r < reps + 2; r++) {  // two warm-up reps, not reported
    if (r == 2) cpu0 = clockMs(CLOCK_PROCESS_CPUTIME_ID);
    const double t0 = nowMs();
    memcpy(work, src, nn * sizeof(double));
    if (gesv) {
      memcpy(x, b, (size_t)n * sizeof(double));
      dgesv_(&n, &one, work, &n, ipiv, x, &n, &info);
    } else {
      dpotrf_("U", &n, work, &n, &info);
    }
    ms[r] = nowMs() - t0;
  }
  const double cpuPerRep = (clockMs(CLOCK_PROCESS_CPUTIME_ID) - cpu0) / reps;
  if (gesv) writeDoubles(outPath, x, n);
  else {
    for (int i = 0; i < n; i++)
      for (int j = i + 1; j < n; j++) work[(size_t)i * n + j] = 0;  // the strict upper part holds A's
    writeDoubles(outPath, work, nn);
  }
  printf("{\"info\":%d,\"cpuMs\":%.6f,\"ms\":[", info, cpuPerRep);
  for (int r = 2; r < reps + 2; r++) printf("%s%.6f", r > 2 ? "," : "", ms[r]);
  printf("]}\n");
  return 0;
}
