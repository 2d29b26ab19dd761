// Programs as images (native/src/image.h): the addon makes an ArrayBuffer per program (the image)
// and one per concurrent evaluation (the arena); every call checks both headers, so a buffer the
// addon did not make, or made for another program, is refused as a value — never a crash. An
// arena belongs to one evaluation at a time ("program is already running"), release() frees a
// buffer only when no evaluation holds it, and several arenas run one image at once.
import { it, expect } from 'vitest';
import * as w from '../../src/index.js';
import { traceFunction } from '../../src/transforms/trace-fn.js';
import { vjpGraph } from '../../src/transforms/vjp.js';
import { interpret } from '../../src/backends/ts.js';
import { encodeGraph } from '../../src/backends/native/encode.js';
import { sizeOf } from '../../src/core/shape.js';
import type { Graph } from '../../src/core/graph.js';
import { describeNative, closeArrays } from './support.js';

/** the gradient graph of extended Rosenbrock over n values, with an input */
function rosenGrad(n: number): { g: Graph; x: Float64Array } {
  const x = Float64Array.from({ length: n }, (_, i) => 0.5 + 0.4 * Math.sin(i));
  const f = (t: w.Tensor) => {
    const a = w.slice(t, [0], [n - 1]), b = w.slice(t, [1], [n]);
    return w.sum(w.add(w.mul(100, w.square(w.sub(b, w.square(a)))), w.square(w.sub(1, a))));
  };
  const tr = traceFunction(f, [x], 'test');
  return { g: vjpGraph(tr.graph, [0], tr.graph.outputs.map((_, k) => (k === 0 ? 'ones' : null))), x };
}

describeNative('program images and arenas', (addon) => {
  const { g, x } = rosenGrad(200_000);
  const { enc, consts } = encodeGraph(g);
  const outs = () => g.outputs.map((v) => new Float64Array(sizeOf(g.shapes[v])));
  const want = interpret(g, [x]);
  const image = addon.decode(enc, consts) as ArrayBuffer;
  const arena = addon.arena(image) as ArrayBuffer;

  it('decode and arena make ArrayBuffers; info describes them; a run matches the TS interpreter', () => {
    expect(image).toBeInstanceOf(ArrayBuffer);
    expect(arena).toBeInstanceOf(ArrayBuffer);
    const info = addon.info(image)!;
    expect(info.imageBytes).toBe(image.byteLength);
    expect(info.memoryBytes).toBe(arena.byteLength);
    expect(info.memoryBytes).toBeGreaterThan(3 * 8 * 200_000);   // several n-sized buffers
    expect(info.ioValues).toBe(0);                                // too large for the packed io region
    const o = outs();
    expect(addon.run(image, arena, [x], o)).toBe(0);
    want.forEach((a, k) => expect(closeArrays(a, o[k], 1e-12, 1e-14)).toBeNull());
    // images are relocatable: a copy is the same program (another arena for it works too)
    const copy = image.slice(0);
    const o2 = outs();
    expect(addon.run(copy, addon.arena(copy) as ArrayBuffer, [x], o2)).toBe(0);
    o2.forEach((a, k) => expect(Array.from(a)).toEqual(Array.from(o[k])));
  });

  it('buffers the addon did not make, or made for another program, are refused as values', () => {
    const other = addon.decode(encodeGraph(rosenGrad(50).g).enc, encodeGraph(rosenGrad(50).g).consts) as ArrayBuffer;
    const tampered = (buf: ArrayBuffer, byte: number) => { const c = buf.slice(0); new Uint8Array(c)[byte] ^= 1; return c; };
    const detached = () => { const c = image.slice(0); structuredClone(c, { transfer: [c] }); return c; };
    const badImages: unknown[] = [new ArrayBuffer(image.byteLength), image.slice(0, image.byteLength - 8), arena, new Float64Array(image),
      new SharedArrayBuffer(image.byteLength), detached(), null, undefined, 42, {}, tampered(image, 0), tampered(image, 8), tampered(image, 16),
      tampered(image, 24), tampered(image, 32)];
    for (const [k, bad] of badImages.entries()) {
      expect(addon.run(bad as ArrayBuffer, arena, [x], outs()), `image case ${k}`).not.toBe(0);
      expect(addon.lastError()!.message).toMatch(/expected a program image/);
      expect(addon.info(bad as ArrayBuffer)).toBeNull();
      expect(addon.arena(bad as ArrayBuffer)).toMatchObject({ status: expect.any(Number) });
    }
    const badArenas: unknown[] = [new ArrayBuffer(arena.byteLength), addon.arena(other), image, arena.slice(0, 64), new Uint8Array(arena),
      tampered(arena, 0), tampered(arena, 8), tampered(arena, 16), tampered(arena, 24), tampered(arena, 32), undefined];
    for (const [k, bad] of badArenas.entries()) {
      expect(addon.run(image, bad as ArrayBuffer, [x], outs()), `arena case ${k}`).not.toBe(0);
      expect(addon.lastError()!.message).toMatch(/expected an arena/);
    }
    expect(addon.release(new ArrayBuffer(64))).toBe(false);
    expect(addon.release(new Float64Array(8) as unknown as ArrayBuffer)).toBe(false);
    const o = outs();
    expect(addon.run(image, arena, [x], o)).toBe(0);   // the real pair still runs
    want.forEach((a, k) => expect(closeArrays(a, o[k], 1e-12, 1e-14)).toBeNull());
  });

  it('runAsync refuses the same buffers by resolving to an error value (never a throw)', async () => {
    for (const [img, ar] of [[new ArrayBuffer(256), arena], [image, new ArrayBuffer(arena.byteLength)], [arena, image], [undefined, undefined]]) {
      const r = await addon.runAsync(img as ArrayBuffer, ar as ArrayBuffer, [x], 2);
      expect(r).toMatchObject({ status: expect.any(Number), message: expect.stringMatching(/expected (a program image|an arena)/) });
    }
  });

  it('an arena belongs to one evaluation: "program is already running"; release waits for the evaluation', async () => {
    const pending = addon.runAsync(image, arena, [x], 2);   // the pool thread owns `arena` until it completes
    expect(addon.run(image, arena, [x], outs())).toBe(11);
    expect(addon.lastError()).toEqual({ status: 11, instr: -1, message: 'program is already running: another evaluation owns this arena' });
    expect(await addon.runAsync(image, arena, [x], 2)).toMatchObject({ status: 11, message: 'program is already running: another evaluation owns this arena' });
    expect(addon.release(arena)).toBe(false);
    expect(addon.release(image)).toBe(false);
    const got = await pending;
    expect(Array.isArray(got)).toBe(true);
    want.forEach((a, k) => expect(closeArrays(a, (got as Float64Array[])[k], 1e-12, 1e-14)).toBeNull());
    expect(addon.run(image, arena, [x], outs())).toBe(0);   // free again
  });

  it('one image runs with several arenas at once (each evaluation its own arena)', async () => {
    const arenas = Array.from({ length: 4 }, () => addon.arena(image) as ArrayBuffer);
    const got = await Promise.all(arenas.map((a) => addon.runAsync(image, a, [x], 2)));
    for (const r of got) want.forEach((a, k) => expect(closeArrays(a, (r as Float64Array[])[k], 1e-12, 1e-14)).toBeNull());
    for (const a of arenas) expect(addon.release(a)).toBe(true);
  });

  it('release() detaches: the memory is freed now and the buffer is refused afterwards', () => {
    const img = addon.decode(enc, consts) as ArrayBuffer, ar = addon.arena(img) as ArrayBuffer;
    expect(addon.release(ar)).toBe(true);
    expect(ar.byteLength).toBe(0);
    expect(addon.run(img, ar, [x], outs())).not.toBe(0);
    expect(addon.release(ar)).toBe(false);
    expect(addon.release(img)).toBe(true);
    expect(img.byteLength).toBe(0);
    expect(addon.arena(img)).toMatchObject({ message: expect.stringMatching(/expected a program image/) });
  });
});
