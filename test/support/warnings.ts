// Warnings a test expects are captured (asserted on), not printed into the test output.
import { vi } from 'vitest';

/** Run fn with process.emitWarning captured; returns fn's result and the warning messages. */
export async function captureWarnings<T>(fn: () => T | Promise<T>): Promise<{ result: T; warnings: string[] }> {
  const warnings: string[] = [];
  const spy = vi.spyOn(process, 'emitWarning').mockImplementation(((w: string | Error) => {
    warnings.push(typeof w === 'string' ? w : w.message);
  }) as typeof process.emitWarning);
  try {
    return { result: await fn(), warnings };
  } finally {
    spy.mockRestore();
  }
}
