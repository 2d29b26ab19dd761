// runPacked: small programs pass inputs and outputs in one array; the addon checks its length and
// type like any other argument, and results equal the per-array path bit for bit.
import { it, expect } from 'vitest';
import { describeNative, oneOp } from './support.js';
import { encodeGraph } from '../../src/backends/native/encode.js';
import { REGISTRY } from '../../src/ops/registry.js';

describeNative('packed inputs and outputs', (addon) => {
  const mul = REGISTRY.find((o) => o.name === 'mul')!;
  const g = oneOp(mul, [[3], [3]], undefined);
  const { enc, consts } = encodeGraph(g);

  it('same results as run(inputs, outputs); wrong lengths and types are refused', () => {
    const p = new addon.Program(enc, consts);
    expect(p.error()).toBeNull();
    const a = Float64Array.of(1.5, -2, 3), b = Float64Array.of(4, 0.25, -1e300);
    const out = new Float64Array(3);
    expect(p.run([a, b], [out])).toBe(0);
    const io = new Float64Array(9);
    io.set(a, 0); io.set(b, 3);
    expect(p.runPacked(io)).toBe(0);
    expect(Array.from(io.subarray(6))).toEqual(Array.from(out));
    expect(p.runPacked(new Float64Array(8))).not.toBe(0);
    expect(p.error()!.message).toMatch(/expected 9 values/);
    expect(p.runPacked(new Float32Array(9) as unknown as Float64Array)).not.toBe(0);
    expect((p.runPacked as unknown as (x?: unknown) => number)()).not.toBe(0);
    const detached = new Float64Array(9);
    structuredClone(detached.buffer, { transfer: [detached.buffer] });
    expect(p.runPacked(detached)).not.toBe(0);
    expect(p.runPacked(io)).toBe(0);   // still usable
    p.dispose();
    expect(p.runPacked(io)).not.toBe(0);
  });
});
