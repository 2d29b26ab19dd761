// runPacked: small programs pass inputs and outputs in the arena's io region (a Float64Array over
// it, written and read by JS); the addon checks the image and arena like any other argument, and
// results equal the per-array path bit for bit.
import { it, expect } from 'vitest';
import { describeNative, oneOp } from './support.js';
import { encodeGraph } from '../../src/backends/native/encode.js';
import { REGISTRY } from '../../src/ops/registry.js';

describeNative('packed inputs and outputs', (addon) => {
  const mul = REGISTRY.find((o) => o.name === 'mul')!;
  const g = oneOp(mul, [[3], [3]], undefined);
  const { enc, consts } = encodeGraph(g);

  it('same results as run(inputs, outputs); wrong images and arenas are refused', () => {
    const image = addon.decode(enc, consts) as ArrayBuffer;
    expect(image).toBeInstanceOf(ArrayBuffer);
    const arena = addon.arena(image) as ArrayBuffer;
    const info = addon.info(image)!;
    expect(info.ioValues).toBe(9);
    const io = new Float64Array(arena, info.ioOffset, info.ioValues);
    const a = Float64Array.of(1.5, -2, 3), b = Float64Array.of(4, 0.25, -1e300);
    const out = new Float64Array(3);
    expect(addon.run(image, arena, [a, b], [out])).toBe(0);
    io.set(a, 0); io.set(b, 3);
    expect(addon.runPacked(image, arena)).toBe(0);
    expect(Array.from(io.subarray(6))).toEqual(Array.from(out));
    const other = addon.decode(enc, consts) as ArrayBuffer;
    const bad: unknown[][] = [[], [image], [arena, image], [image, addon.arena(other)], [image, new ArrayBuffer(arena.byteLength)],
      [image, io], [new Float64Array(image), arena], [image, arena.slice(0, 64)], [null, undefined]];
    for (const args of bad) {
      expect((addon.runPacked as (...x: unknown[]) => number)(...args)).not.toBe(0);
      expect(addon.lastError()!.message.length).toBeGreaterThan(0);
    }
    expect(addon.runPacked(image, arena)).toBe(0);   // still usable
    expect(addon.release(arena)).toBe(true);          // detached: its memory is freed now
    expect(arena.byteLength).toBe(0);
    expect(addon.runPacked(image, arena)).not.toBe(0);
    expect(addon.lastError()!.message).toMatch(/expected an arena made for this program image/);
  });
});
