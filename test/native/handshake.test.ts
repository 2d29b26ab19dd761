// Op-table handshake, the generated header, SIMD selection, WENGERT_NATIVE=0, and backend wiring.
import { it, expect } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import * as w from '../../src/index.js';
import { REGISTRY } from '../../src/ops/registry.js';
import { handshake } from '../../src/backends/native/loader.js';
import { ENCODING_VERSION } from '../../src/backends/native/encode.js';
import { backendRuns } from '../../src/backends/index.js';
import { describeNative } from './support.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const names = REGISTRY.map((o) => o.name);

it('gen-ops --check passes on the committed header', () => {
  const out = execFileSync(process.execPath, ['scripts/gen-ops.mjs', '--check'], { cwd: root, encoding: 'utf8' });
  expect(out).toMatch(new RegExp(`up to date \\(${REGISTRY.length} ops\\)`));
});

it('the handshake refuses a mismatched op table or encoding version', () => {
  const fake = (table: string[], v = ENCODING_VERSION) => ({ opTable: () => table, encodingVersion: v, decode: () => new ArrayBuffer(0) });
  expect(handshake(fake(names))).toBeNull();
  expect(handshake(fake(names.slice(0, -1)))).toMatch(/knows \d+ ops but the registry has/);
  const swapped = [...names]; [swapped[3], swapped[4]] = [swapped[4], swapped[3]];
  expect(handshake(fake(swapped))).toMatch(/op 3 is 'expm1' in the native addon but 'exp' in the registry/);
  expect(handshake(fake(names, ENCODING_VERSION + 1))).toMatch(/encoding version/);
  expect(handshake({ opTable: () => names, encodingVersion: ENCODING_VERSION })).toMatch(/predates program images/);
});

it('WENGERT_NATIVE=0 forces the TS backend and says why', () => {
  const code = `import('${path.join(root, 'src/index.ts')}').then((w) => console.log(JSON.stringify([w.nativeInfo(), w.getBackend()])))`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', code], { cwd: root, env: { ...process.env, WENGERT_NATIVE: '0' }, encoding: 'utf8' });
  const [info, backend] = JSON.parse(r.stdout.trim().split('\n').pop()!);
  const { codegen, ...rest } = info;
  expect(rest).toEqual({ available: false, simd: null, threads: 1, reason: 'the native backend is disabled by WENGERT_NATIVE=0' });
  expect(codegen).toMatchObject({ available: false, reason: 'the native backend is disabled by WENGERT_NATIVE=0', compiled: 0 });
  expect(backend).toBe('ts');
});

describeNative('native backend wiring', (addon) => {
  it('is the default backend and reports its SIMD level', () => {
    const info = w.nativeInfo();
    expect(info.available).toBe(true);
    expect(addon.simdInfo().supported).toContain(info.simd);
  });

  it('WENGERT_SIMD selects each supported level in a fresh process (and ignores unknown names)', () => {
    for (const level of [...addon.simdInfo().supported, 'bogus']) {
      const code = `import('${path.join(root, 'src/index.ts')}').then((w) => { const x = w.tensor([1, 2, 3]); ` +
        `console.log(JSON.stringify([w.nativeInfo(), w.grad((v) => w.sum(w.mul(v, v)))(x).toArray()])); })`;
      const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', code], { cwd: root, env: { ...process.env, WENGERT_SIMD: level }, encoding: 'utf8' });
      const [info, g] = JSON.parse(r.stdout.trim().split('\n').pop()!);
      expect(g).toEqual([2, 4, 6]);
      if (level === 'bogus') expect(info.reason).toMatch(/WENGERT_SIMD=bogus is not one of/);
      else expect(info.simd).toBe(level);
    }
  }, 180_000);   // one fresh process per level: ~5 s quiet, over 60 s at load 14

  it('counts native runs, reuses the program of a Graph, and check mode compares both backends', () => {
    const f = (x: w.Tensor) => w.sum(w.mul(w.sin(x), x));
    const before = backendRuns();
    w.setBackend('native');
    const x = [0.5, 1, 2];
    const g = w.grad(f)(w.tensor(x)) as w.Tensor;
    expect(backendRuns().native).toBe(before.native + 1);
    expect(Array.from(g.data())).toEqual(x.map((v) => expect.closeTo(Math.sin(v) + v * Math.cos(v), 14)));
    w.setBackend('check');
    const b2 = backendRuns();
    w.grad(f)(w.tensor(x));
    expect(backendRuns().native).toBe(b2.native + 1);
    expect(backendRuns().ts).toBe(b2.ts + 1);
    w.setBackend('native');
  });

  it('check mode throws ERR_MISMATCH naming the output when the backends disagree', async () => {
    const { compareOutputs } = await import('../../src/backends/index.js');
    const { Graph } = await import('../../src/core/graph.js');
    const g = new Graph(); const v = g.newVar([3]); g.inputs.push(v); g.outputs = [v];
    expect(() => compareOutputs(g, [Float64Array.of(1, 2, 3)], [Float64Array.of(1, 2, 3 + 1e-15)], 1e-10, 1e-12)).not.toThrow();
    let err: unknown;
    try { compareOutputs(g, [Float64Array.of(1, 2, 3)], [Float64Array.of(1, 2.001, 3)], 1e-10, 1e-12); } catch (e) { err = e; }
    expect((err as w.WengertError).code).toBe('ERR_MISMATCH');
    expect((err as Error).message).toMatch(/output 0 \(%0\) at index 1: expected 2 \(ts\) but received 2.001 \(native\)/);
    // atol scales with the largest magnitude in that output
    expect(() => compareOutputs(g, [Float64Array.of(1e6, 0, 0)], [Float64Array.of(1e6, 1e-7, 0)], 1e-10, 1e-12)).not.toThrow();
  });
});
