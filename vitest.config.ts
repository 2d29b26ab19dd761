import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // DESIGN §8: the suite runs on the interpreter unless told otherwise (WENGERT_CODEGEN=auto|eager);
    // test/codegen.test.ts switches the compiled tier on itself
    env: { WENGERT_CODEGEN: process.env.WENGERT_CODEGEN ?? 'off' },
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
