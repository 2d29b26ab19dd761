#include "check.h"

void kernelTests();
void linalgKernelTests();
void decoderTests();
void loopTests();

int main() {
  kernelTests();
  linalgKernelTests();
  decoderTests();
  loopTests();
  const auto& c = wgt::counts();
  std::printf("native tests: %ld passed, %ld failed\n", c.passed, c.failed);
  return c.failed ? 1 : 0;
}
