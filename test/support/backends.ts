// Every test of library behaviour runs on every backend this machine has (DESIGN; STYLE "Tests").
// A native describe block asserts that the native backend really executed programs.
import { describe, beforeAll, afterAll, expect } from 'vitest';
import * as w from '../../src/index.js';
import { backendRuns } from '../../src/backends/index.js';

export type TestBackend = 'ts' | 'native';
export const BACKENDS: TestBackend[] = w.nativeInfo().available ? ['ts', 'native'] : ['ts'];

/** describe `name` once per backend; the body gets the backend name. */
export function describeBackends(name: string, body: (backend: TestBackend) => void): void {
  for (const b of BACKENDS) {
    describe(`${name} [${b}]`, () => {
      let before = 0;
      beforeAll(() => { w.setBackend(b); before = backendRuns().native; });
      afterAll(() => {
        if (b === 'native') expect(backendRuns().native, 'native backend did not run any program').toBeGreaterThan(before);
        w.setBackend('ts');
      });
      body(b);
    });
  }
}
