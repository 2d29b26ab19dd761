// SVG bar chart of W1–W4 gradient time (value + full gradient, ms, log scale) per system, from the
// raw results of one sitting, with the issue-3 (native) and issue-2 (TS) targets drawn as lines.
//   npx tsx bench/chart.ts [--results bench/results] [--out docs/bench.svg]
// Inputs (written by the bench runs, see docs/benchmarks.md):
//   workloads.json    bench/run.ts --json (hand-js and the wengert systems)
//   peers-native.json RESULT lines of shared/peers/native/run.sh (hand C++, ADOL-C, PyTorch)
//   extra.json        W1 compiled valueAndGradInto (caller-owned gradient buffer)
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

type WlId = 'W1' | 'W2' | 'W3' | 'W4';
const WORKLOADS: WlId[] = ['W1', 'W2', 'W3', 'W4'];
const NAMES: Record<WlId, string> = { W1: 'W1 rosen (n = 1e6)', W2: 'W2 mlp (batch 256)', W3: 'W3 ode (RK4, 0-d ops)', W4: 'W4 logreg (1e5×100)' };

interface Bar { label: string; color: string; ms: Partial<Record<WlId, number>> }
interface Target { label: string; color: string; dash: string; ms: Partial<Record<WlId, number>> }

function args() {
  const a = process.argv.slice(2), get = (k: string, d: string) => (a.includes(k) ? a[a.indexOf(k) + 1] : d);
  return { dir: get('--results', 'bench/results'), out: get('--out', 'docs/bench.svg') };
}

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

/** grad medians per system and workload from the three result files */
function load(dir: string): { bars: Bar[]; targets: Target[]; date: string } {
  const wl = readJson(join(dir, 'workloads.json'));
  const peers = readJson(join(dir, 'peers-native.json'));
  const extra = readJson(join(dir, 'extra.json'));
  const ours = (system: string) => Object.fromEntries(WORKLOADS.map((id) => {
    const r = wl.rows.find((x: any) => x.workload.startsWith(id + ' ') && x.system === system);
    return [id, r?.grad.median];
  })) as Partial<Record<WlId, number>>;
  // W3 has no single "hand-native" row: its hand gradient is the discrete adjoint
  const peer = (system: string, w3System = system) => Object.fromEntries(WORKLOADS.map((id) => {
    const r = peers.rows.find((x: any) => x.workload === id && x.kind === 'grad' && x.system === (id === 'W3' ? w3System : system));
    return [id, r?.median_ms];
  })) as Partial<Record<WlId, number>>;
  const cpp = peer('hand-native', 'hand-native-adjoint'), torch = peer('torch-openblas-1t'), hand = ours('hand-js');
  const compiledNative = { ...ours('compiled-native'), W1: extra.W1['compiled-native valueAndGradInto'].median };
  const bars: Bar[] = [
    { label: 'hand C++ (-O3 -march=native)', color: '#222222', ms: cpp },
    { label: 'PyTorch 1.13 (OpenBLAS, 1 thread)', color: '#e67e22', ms: torch },
    { label: 'ADOL-C 2.7 tape replay', color: '#b39ddb', ms: peer('adolc-replay') },
    { label: 'hand JS (Float64Array loops)', color: '#7f8c8d', ms: hand },
    { label: 'wengert TS, traced (valueAndGrad)', color: '#9ecae1', ms: ours('wengert-ts') },
    { label: 'wengert TS, compiled', color: '#4292c6', ms: ours('compiled-ts') },
    { label: 'wengert native, traced (valueAndGrad)', color: '#a1d99b', ms: ours('wengert-native') },
    { label: 'wengert native, compiled (W1: valueAndGradInto)', color: '#238b45', ms: compiledNative },
  ];
  const scale = (base: Partial<Record<WlId, number>>, k: Partial<Record<WlId, number>>) =>
    Object.fromEntries(Object.entries(k).map(([id, f]) => [id, base[id as WlId]! * f!])) as Partial<Record<WlId, number>>;
  // issue 3: W1 ≤ 1.5× hand C++, W2 ≤ 1.5× PyTorch 1 thread, W3 ≤ 10× hand C++ adjoint, W4 ≤ 2× hand C++
  const native = { ...scale(cpp, { W1: 1.5, W3: 10, W4: 2 }), ...scale(torch, { W2: 1.5 }) };
  // issue 2: TS backend per call including tracing ≤ 15×, 1.5×, 3× hand JS (W3: no target)
  const ts = scale(hand, { W1: 15, W2: 1.5, W4: 3 });
  return {
    bars,
    targets: [
      { label: 'native target (issue 3; applies to native compiled)', color: '#c0392b', dash: '6 3', ms: native },
      { label: 'TS target (issue 2; applies to TS traced, tracing included)', color: '#2c3e90', dash: '2 3', ms: ts },
    ],
    date: String(wl.env?.date ?? '').slice(0, 10),
  };
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fmt = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms >= 1 ? ms.toFixed(2) : ms >= 0.1 ? ms.toFixed(3) : ms.toPrecision(2));

function svg({ bars, targets, date }: ReturnType<typeof load>): string {
  const all = bars.flatMap((b) => Object.values(b.ms)).concat(targets.flatMap((t) => Object.values(t.ms))).filter((v): v is number => v! > 0);
  const lo = Math.floor(Math.log10(Math.min(...all))), hi = Math.ceil(Math.log10(Math.max(...all)));
  const W = 960, left = 64, right = 16, top = 44, plotH = 360, bottom = 40, legendRows = Math.ceil((bars.length + targets.length) / 2);
  const H = top + plotH + bottom + legendRows * 18 + 16;
  const groupW = (W - left - right) / WORKLOADS.length, barW = (groupW - 28) / bars.length;
  const y = (ms: number) => top + plotH * (1 - (Math.log10(ms) - lo) / (hi - lo));
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
    `<text x="${left}" y="18" font-size="14" font-weight="bold">Value + full gradient per call, ms (log scale; lower is better)</text>`,
    `<text x="${left}" y="34" fill="#555">float64, one thread, medians of one sitting${date ? ` (${date})` : ''}; 2-core AMD EPYC (Zen 4) VM. Numbers above bars: ms.</text>`,
  ];
  for (let e = lo; e <= hi; e++) {
    const yy = y(10 ** e).toFixed(1);
    out.push(`<line x1="${left}" x2="${W - right}" y1="${yy}" y2="${yy}" stroke="#ddd"/>`,
      `<text x="${left - 6}" y="${yy}" text-anchor="end" dominant-baseline="middle">${e >= 0 ? 10 ** e : (10 ** e).toFixed(-e)}</text>`);
  }
  out.push(`<text transform="translate(14 ${top + plotH / 2}) rotate(-90)" text-anchor="middle">ms per call</text>`);
  WORKLOADS.forEach((id, g) => {
    const x0 = left + g * groupW + 14;
    bars.forEach((b, k) => {
      const ms = b.ms[id];
      if (!(ms! > 0)) return;
      const x = x0 + k * barW, yy = y(ms!);
      out.push(`<rect x="${x.toFixed(1)}" y="${yy.toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${(top + plotH - yy).toFixed(1)}" fill="${b.color}"><title>${esc(`${id} ${b.label}: ${fmt(ms!)} ms`)}</title></rect>`,
        `<text x="${(x + barW / 2 - 1).toFixed(1)}" y="${(yy - 3).toFixed(1)}" text-anchor="middle" font-size="8.5" fill="#333">${esc(fmt(ms!))}</text>`);
    });
    for (const t of targets) {
      const ms = t.ms[id];
      if (!(ms! > 0)) continue;
      const yy = y(ms!).toFixed(1);
      out.push(`<line x1="${x0 - 6}" x2="${(x0 + bars.length * barW + 4).toFixed(1)}" y1="${yy}" y2="${yy}" stroke="${t.color}" stroke-width="1.6" stroke-dasharray="${t.dash}"><title>${esc(`${id} ${t.label}: ${fmt(ms!)} ms`)}</title></line>`);
    }
    out.push(`<text x="${(x0 + (bars.length * barW) / 2).toFixed(1)}" y="${top + plotH + 16}" text-anchor="middle" font-weight="bold">${esc(NAMES[id])}</text>`);
  });
  out.push(`<line x1="${left}" x2="${W - right}" y1="${top + plotH}" y2="${top + plotH}" stroke="#333"/>`);
  const items = [...bars.map((b) => ({ label: b.label, swatch: `<rect width="12" height="10" fill="${b.color}"/>` })),
    ...targets.map((t) => ({ label: t.label, swatch: `<line x1="0" x2="14" y1="5" y2="5" stroke="${t.color}" stroke-width="1.6" stroke-dasharray="${t.dash}"/>` }))];
  items.forEach((it, i) => {
    const lx = left + (i % 2) * 440, ly = top + plotH + bottom + Math.floor(i / 2) * 18;
    out.push(`<g transform="translate(${lx} ${ly})">${it.swatch}<text x="20" y="9">${esc(it.label)}</text></g>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

const { dir, out } = args();
writeFileSync(out, svg(load(dir)));
console.log(`wrote ${out}`);
