// The machine's own bound on concurrent W1 evaluations: the hand-written W1 gradient (extended
// Rosenbrock, n = 10⁶: reads x, writes g, 16 MB per call) timed alone and with a second copy of
// itself running at the same time (bench/w1-bandwidth.sh). Memory-bound: two evaluations share the
// memory bandwidth, so 2 cores give less than 2× the throughput even to hand-written C.
//   cc -O3 -march=native bench/w1-bandwidth.c -o /tmp/w1bw -lm && /tmp/w1bw [calls]
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <time.h>

enum { N = 1000000 };

static double nowMs(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec * 1e-6;
}

/* ∂f/∂x_i = −400 x_i (x_{i+1} − x_i²) − 2(1 − x_i) + 200 (x_i − x_{i−1}²) (the gradient alone: vectorized) */
static void rosenGrad(const double* restrict x, double* restrict g) {
  g[0] = -400 * x[0] * (x[1] - x[0] * x[0]) - 2 * (1 - x[0]);
  for (int i = 1; i < N - 1; i++) g[i] = -400 * x[i] * (x[i + 1] - x[i] * x[i]) - 2 * (1 - x[i]) + 200 * (x[i] - x[i - 1] * x[i - 1]);
  g[N - 1] = 200 * (x[N - 1] - x[N - 2] * x[N - 2]);
}

int main(int argc, char** argv) {
  const int calls = argc > 1 ? atoi(argv[1]) : 400;
  double* x = malloc(sizeof(double) * N);
  double* g = malloc(sizeof(double) * N);
  for (int i = 0; i < N; i++) x[i] = 0.5 + 0.4 * sin(i);
  rosenGrad(x, g);
  double sink = 0, t = nowMs();
  for (int k = 0; k < calls; k++) { rosenGrad(x, g); sink += g[k % N]; }
  printf("%.3f ms per call (%d calls; checksum %.6g)\n", (nowMs() - t) / calls, calls, sink + g[N / 2]);
  return 0;
}
