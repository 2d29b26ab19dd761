// Replays the fuzz corpus through the addon (native/fuzz/README.md): seeds (encodings of random
// programs) decode and run; inputs that once crashed the libFuzzer target (native/fuzz/regressions)
// come back as an error value or a run — the process survives every one.
import { it, expect } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describeNative, rawProgram } from './support.js';
import { parseEncoding, iterationBound } from './encoding.js';
import type { Addon } from '../../src/backends/native/loader.js';

const DIR = new URL('../../native/fuzz/', import.meta.url);

function files(sub: string): string[] {
  const d = new URL(`${sub}/`, DIR);
  if (!existsSync(d)) return [];
  return readdirSync(d).filter((f) => !f.endsWith('.md')).sort().map((f) => new URL(f, d).pathname);
}

/** the fuzz input layout: u32 nconst | f64 consts | i32 words (copied: aligned typed arrays) */
function parse(path: string): { enc: Int32Array; consts: Float64Array } {
  const b = readFileSync(path);
  if (b.length < 4) return { enc: new Int32Array(0), consts: new Float64Array(0) };
  let n = b.readUInt32LE(0) % 4096;
  n = Math.min(n, Math.floor((b.length - 4) / 8));
  const consts = new Float64Array(n);
  for (let i = 0; i < n; i++) consts[i] = b.readDoubleLE(4 + 8 * i);
  const at = 4 + 8 * n, enc = new Int32Array(Math.floor((b.length - at) / 4));
  for (let i = 0; i < enc.length; i++) enc[i] = b.readInt32LE(at + 4 * i);
  return { enc, consts };
}

/** input and output sizes read from the encoding's header and variable table, or null if it does not parse */
function ioSizes(enc: Int32Array): { ins: number[]; outs: number[] } | null {
  const [, , nvars, nin, nconst, nout] = enc;
  if (enc.length < 10 || nvars < 0 || nvars > 1e5) return null;
  const size: number[] = [];
  let at = 10;
  for (let v = 0; v < nvars; v++) {
    const rank = enc[at + 2];
    if (!(rank >= 0 && rank <= 16) || at + 3 + rank > enc.length) return null;
    size.push(Array.from(enc.subarray(at + 3, at + 3 + rank)).reduce((a, d) => a * d, 1));
    at += 3 + rank;
  }
  const ids = (k: number, n: number) => Array.from(enc.subarray(k, k + n));
  const ins = ids(at, nin).map((v) => size[v]), outs = ids(at + nin + nconst, nout).map((v) => size[v]);
  if ([...ins, ...outs].some((s) => !(s >= 0 && s < 1e7))) return null;
  return { ins, outs };
}

function replay(addon: Addon, path: string): { decoded: boolean; status: number } {
  const { enc, consts } = parse(path);
  const p = rawProgram(addon, enc, consts);
  const err = p.error();
  if (err) {
    expect(err.status, path).toBeGreaterThan(0);
    expect(err.message.length, path).toBeGreaterThan(0);
    return { decoded: false, status: err.status };
  }
  const io = ioSizes(enc);
  const ins = (io?.ins ?? []).map((n) => Float64Array.from({ length: n }, (_, i) => Math.sin(i) * 2));
  const outs = (io?.outs ?? []).map((n) => new Float64Array(n));
  const status = p.info().memoryBytes > 1e8 ? 0 : p.run(ins, outs);
  p.dispose();
  return { decoded: true, status };
}

describeNative('fuzz corpus replayed through the addon', (addon) => {
  const seeds = files('corpus'), regressions = files('regressions');

  it(`${seeds.length} seed encodings decode and run`, () => {
    expect(seeds.length).toBeGreaterThan(50);
    for (const f of seeds) {
      const r = replay(addon, f);
      expect(r.decoded, f).toBe(true);
      expect(r.status, f).toBe(0);
    }
  });

  it(`${regressions.length} crash regressions come back as values`, () => {
    for (const f of regressions) expect(typeof replay(addon, f).status).toBe('number');
  });

  it('an arena larger than the variables use is refused at decode (no 2 GiB reservation)', () => {
    const f = regressions.find((x) => x.includes('oom-2gib'));
    expect(f).toBeDefined();
    expect(replay(addon, f!).decoded).toBe(false);
  });

  it('one-byte corruptions of every seed are refused or run, never crash', () => {
    let refused = 0, ran = 0;
    for (const [k, f] of seeds.entries()) {
      const b = readFileSync(f);
      for (let j = 0; j < 8; j++) {
        const { enc, consts } = parse(f);
        const pos = 10 + ((k * 131 + j * 977) % Math.max(1, enc.length - 10));
        enc[pos] = [-1, 0, 1, 2 ** 31 - 1, 65536, 7, -2, 3][j];
        const p = rawProgram(addon, enc, consts);
        if (p.error()) refused++;
        else {
          ran++;
          // run only when its loops are bounded: a corrupted trip count (4 → 2³¹−1) is a legal program of minutes
          const io = ioSizes(enc), parsed = parseEncoding(enc);
          if (io && parsed && iterationBound(enc, parsed) <= 2e5 && p.info().memoryBytes < 1e8) p.run(io.ins.map((n) => new Float64Array(n)), io.outs.map((n) => new Float64Array(n)));
        }
        p.dispose();
      }
      expect(b.length).toBeGreaterThan(40);
    }
    expect(refused + ran).toBe(seeds.length * 8);
    expect(refused).toBeGreaterThan(ran);
  });
});
