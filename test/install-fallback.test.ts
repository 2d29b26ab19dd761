// Where the addon comes from, in fresh processes on staged copies of the package: a prebuild in
// prebuilds/<platform>-<arch>/ loads without build/; with neither, programs run on the TS backend
// with correct results, nativeInfo() says why, and one notice goes to stderr — none when the user
// chose the TS backend (WENGERT_NATIVE=0 or setBackend('ts')).
import { it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describeNative } from './native/support.js';
import { describe } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');
let dir = '';

/** a copy of src/ and package.json whose loader looks for the addon in `dir` */
function stage(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'wengert-install-'));
  cpSync(path.join(root, 'src'), path.join(d, 'src'), { recursive: true });
  cpSync(path.join(root, 'package.json'), path.join(d, 'package.json'));
  symlinkSync(path.join(root, 'node_modules'), path.join(d, 'node_modules'));
  return d;
}

const PROBE = `
import * as w from './src/index.ts';
if (process.env.CHOOSE_TS) w.setBackend('ts');
const f = (x) => w.sum(w.mul(w.sin(x), x));
const g1 = w.grad(f)(new Float64Array([0.5, 1, 2]));
const g2 = w.grad(f)(new Float64Array([0.5, 1, 2]));
console.log(JSON.stringify({ info: w.nativeInfo(), grad: Array.from(g1), same: g1.every((v, i) => v === g2[i]) }));
`;

function probe(env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', PROBE], {
    cwd: dir, encoding: 'utf8', env: { ...process.env, WENGERT_NATIVE: '', WENGERT_EXPECT_NATIVE: '', ...env },
  });
  expect(r.status, r.stderr).toBe(0);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
  const notices = r.stderr.split('\n').filter((l) => l.includes('programs run on the TS backend'));
  return { ...out, notices };
}

const want = [0.5, 1, 2].map((x) => Math.sin(x) + x * Math.cos(x));

describe('no addon in the package: the TS backend, one notice', () => {
  beforeAll(() => { dir = stage(); });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('gradients are right, nativeInfo says why, one notice on stderr', () => {
    const r = probe();
    expect(r.info.available).toBe(false);
    expect(r.info.reason).toMatch(/native addon is not available/);
    r.grad.forEach((g: number, i: number) => expect(g).toBeCloseTo(want[i], 14));
    expect(r.same).toBe(true);
    expect(r.notices.length).toBe(1);
  });

  it('no notice when the TS backend was chosen (WENGERT_NATIVE=0, setBackend)', () => {
    const off = probe({ WENGERT_NATIVE: '0' });
    expect(off.info.reason).toMatch(/WENGERT_NATIVE=0/);
    expect(off.notices.length).toBe(0);
    const chosen = probe({ CHOOSE_TS: '1' });
    expect(chosen.notices.length).toBe(0);
    chosen.grad.forEach((g: number, i: number) => expect(g).toBeCloseTo(want[i], 14));
  });
});

describeNative('a prebuild in prebuilds/ loads without build/', () => {
  beforeAll(() => {
    dir = stage();
    // the developer's addon, placed where prebuildify puts it (node-gyp-build's lookup)
    const from = path.join(root, 'build', 'Release', 'wengert.node');
    if (!existsSync(from)) throw new Error('build/Release/wengert.node missing (npm run build:native)');
    const to = path.join(dir, 'prebuilds', `${process.platform}-${process.arch}`);
    mkdirSync(to, { recursive: true });
    cpSync(from, path.join(to, 'wengert.glibc.node'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('native runs, no notice, the gradient matches', () => {
    const r = probe();
    expect(r.info.available).toBe(true);
    expect(r.notices.length).toBe(0);
    r.grad.forEach((g: number, i: number) => expect(g).toBeCloseTo(want[i], 14));
  });
});
