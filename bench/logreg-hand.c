/* W4 logistic regression written by hand, the baseline of bench/matvec.ts (bench only):
 * value + gradient of mean_r(softplus(z_r) − y_r z_r) + ½λ‖w‖², z = X w, in one pass over X
 * (per block of 64 rows: the dot products, the loss and its derivative, then g += e_r·X_r).
 * Inputs as bench/workloads.ts: X = sin(i), y_r = (r mod 3 = 0), w_c = 0.01 cos(c).
 * Usage: logreg-hand m k reps → prints the median milliseconds per call, then the value. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define BLK 64

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec * 1e-6;
}

static double value_grad(const double* X, const double* y, const double* w, double* g, long m, long k, double lambda) {
  double loss = 0, z[BLK], e[BLK];
  for (long c = 0; c < k; c++) g[c] = 0;
  for (long r0 = 0; r0 < m; r0 += BLK) {
    const long nb = m - r0 < BLK ? m - r0 : BLK;
    for (long i = 0; i < nb; i++) {
      const double* x = X + (r0 + i) * k;
      double s = 0;
      for (long c = 0; c < k; c++) s += x[c] * w[c];
      z[i] = s;
    }
    for (long i = 0; i < nb; i++) {
      const double t = exp(-fabs(z[i]));  /* softplus and sigmoid, stable */
      loss += (z[i] > 0 ? z[i] : 0) + log1p(t) - y[r0 + i] * z[i];
      e[i] = (z[i] >= 0 ? 1 / (1 + t) : t / (1 + t)) - y[r0 + i];
    }
    for (long i = 0; i < nb; i++) {
      const double* x = X + (r0 + i) * k;
      for (long c = 0; c < k; c++) g[c] += e[i] * x[c];
    }
  }
  double ww = 0;
  for (long c = 0; c < k; c++) { ww += w[c] * w[c]; g[c] = g[c] / m + lambda * w[c]; }
  return loss / m + 0.5 * lambda * ww;
}

static int cmp(const void* a, const void* b) { const double x = *(const double*)a, y = *(const double*)b; return (x > y) - (x < y); }

int main(int argc, char** argv) {
  const long m = argc > 1 ? atol(argv[1]) : 100000, k = argc > 2 ? atol(argv[2]) : 100, reps = argc > 3 ? atol(argv[3]) : 15;
  double* X = malloc(sizeof(double) * m * k), *y = malloc(sizeof(double) * m), *w = malloc(sizeof(double) * k), *g = malloc(sizeof(double) * k);
  double* t = malloc(sizeof(double) * reps);
  for (long i = 0; i < m * k; i++) X[i] = sin((double)i);
  for (long r = 0; r < m; r++) y[r] = r % 3 == 0 ? 1 : 0;
  for (long c = 0; c < k; c++) w[c] = 0.01 * cos((double)c);
  double v = 0;
  for (int i = 0; i < 3; i++) v = value_grad(X, y, w, g, m, k, 1e-3);
  for (long i = 0; i < reps; i++) { const double t0 = now_ms(); v += 0 * value_grad(X, y, w, g, m, k, 1e-3); t[i] = now_ms() - t0; }
  qsort(t, reps, sizeof(double), cmp);
  printf("%.6f %.17g\n", t[reps / 2], v);
  return 0;
}
