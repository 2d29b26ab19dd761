// Layered drawing of a small DAG (Sugiyama's method, kept short): ranks by longest path (sources
// that feed one place sit just above it), long edges split by dummy points, the order within each
// rank by barycenter sweeps keeping the order with the fewest crossings, x by repeatedly moving
// nodes toward their neighbours' mean while keeping order and spacing (isotonic regression, PAVA).

export interface LayoutNode { id: number; w: number; h: number }
export interface LayoutEdge { from: number; to: number }
export interface Placed { x: number; y: number; w: number; h: number }
export interface Layout { nodes: Map<number, Placed>; edges: { from: number; to: number; points: [number, number][] }[]; width: number; height: number }

const GAP_X = 24, GAP_Y = 46;

export function layout(nodes: readonly LayoutNode[], edges: readonly LayoutEdge[]): Layout {
  const ids = nodes.map((n) => n.id);
  const index = new Map(ids.map((id, i) => [id, i]));
  const preds: number[][] = nodes.map(() => []), succs: number[][] = nodes.map(() => []);
  for (const e of edges) { const a = index.get(e.from)!, b = index.get(e.to)!; preds[b].push(a); succs[a].push(b); }
  // nodes come in topological order (SSA numbering)
  const rank = new Array<number>(nodes.length).fill(0);
  for (let i = 0; i < nodes.length; i++) for (const p of preds[i]) rank[i] = Math.max(rank[i], rank[p] + 1);
  for (let i = nodes.length - 1; i >= 0; i--) {
    if (preds[i].length === 0 && succs[i].length) rank[i] = Math.max(0, Math.min(...succs[i].map((s) => rank[s])) - 1);
  }
  // dummy points on long edges: vertex ids ≥ nodes.length
  const width: number[] = nodes.map((n) => n.w), vrank = [...rank];
  const up: number[][] = preds.map(() => []), down: number[][] = succs.map(() => []);
  const chains = edges.map((e) => {
    const a = index.get(e.from)!, b = index.get(e.to)!;
    const chain = [a];
    for (let r = rank[a] + 1; r < rank[b]; r++) { width.push(8); vrank.push(r); up.push([]); down.push([]); chain.push(width.length - 1); }
    chain.push(b);
    for (let k = 1; k < chain.length; k++) { down[chain[k - 1]].push(chain[k]); up[chain[k]].push(chain[k - 1]); }
    return chain;
  });
  const nr = Math.max(0, ...vrank) + 1;
  let layers: number[][] = Array.from({ length: nr }, () => []);
  vrank.forEach((r, v) => layers[r].push(v));
  layers = orderLayers(layers, up, down);
  const x = placeX(layers, width, up, down);
  const heights = Array.from({ length: nr }, (_, r) => Math.max(8, ...layers[r].filter((v) => v < nodes.length).map((v) => nodes[v].h)));
  const top: number[] = [];
  let y = 0;
  for (let r = 0; r < nr; r++) { top.push(y); y += heights[r] + GAP_Y; }
  const minX = Math.min(...layers.flat().map((v) => x[v] - width[v] / 2));
  const cx = (v: number) => x[v] - minX;
  const placed = new Map<number, Placed>();
  nodes.forEach((n, i) => placed.set(n.id, { x: cx(i) - n.w / 2, y: top[rank[i]] + (heights[rank[i]] - n.h) / 2, w: n.w, h: n.h }));
  const mid = (v: number) => top[vrank[v]] + heights[vrank[v]] / 2;
  const out = chains.map((chain, k) => {
    const a = placed.get(edges[k].from)!, b = placed.get(edges[k].to)!;
    const points: [number, number][] = [[a.x + a.w / 2, a.y + a.h]];
    for (const v of chain.slice(1, -1)) points.push([cx(v), mid(v)]);
    points.push([b.x + b.w / 2, b.y]);
    return { from: edges[k].from, to: edges[k].to, points };
  });
  const W = Math.max(0, ...layers.flat().map((v) => cx(v) + width[v] / 2));
  return { nodes: placed, edges: out, width: W, height: Math.max(0, y - GAP_Y) };
}

function crossings(layers: number[][], down: number[][]): number {
  let c = 0;
  for (let r = 0; r + 1 < layers.length; r++) {
    const pos = new Map(layers[r + 1].map((v, i) => [v, i]));
    const segs: [number, number][] = [];
    layers[r].forEach((v, i) => { for (const w of down[v]) segs.push([i, pos.get(w)!]); });
    for (let a = 0; a < segs.length; a++) for (let b = a + 1; b < segs.length; b++) {
      if ((segs[a][0] - segs[b][0]) * (segs[a][1] - segs[b][1]) < 0) c++;
    }
  }
  return c;
}

function orderLayers(layers: number[][], up: number[][], down: number[][]): number[][] {
  let best = layers.map((l) => [...l]), bestC = crossings(best, down);
  let cur = best.map((l) => [...l]);
  for (let it = 0; it < 16 && bestC > 0; it++) {
    const downward = it % 2 === 0;
    const order = downward ? cur.map((_, r) => r).slice(1) : cur.map((_, r) => r).reverse().slice(1);
    for (const r of order) {
      const ref = cur[downward ? r - 1 : r + 1];
      const pos = new Map(ref.map((v, i) => [v, i]));
      const bary = new Map(cur[r].map((v, i) => {
        const nb = (downward ? up[v] : down[v]).map((w) => pos.get(w)!).filter((p) => p !== undefined);
        return [v, nb.length ? nb.reduce((a, b) => a + b, 0) / nb.length : i];
      }));
      cur[r] = [...cur[r]].sort((a, b) => bary.get(a)! - bary.get(b)!);
    }
    const c = crossings(cur, down);
    if (c < bestC) { best = cur.map((l) => [...l]); bestC = c; }
  }
  return best;
}

function placeX(layers: number[][], width: number[], up: number[][], down: number[][]): number[] {
  const x = new Array<number>(width.length).fill(0);
  for (const l of layers) { let at = 0; for (const v of l) { x[v] = at + width[v] / 2; at += width[v] + GAP_X; } }
  for (let it = 0; it < 24; it++) {
    const rs = it % 2 === 0 ? layers.map((_, r) => r) : layers.map((_, r) => r).reverse();
    for (const r of rs) {
      const l = layers[r];
      const target = l.map((v) => {
        const nb = [...up[v], ...down[v]];
        return nb.length ? nb.reduce((a, w) => a + x[w], 0) / nb.length : x[v];
      });
      // offsets keep neighbours apart: x_i − c_i must not decrease
      const c: number[] = [0];
      for (let i = 1; i < l.length; i++) c.push(c[i - 1] + (width[l[i - 1]] + width[l[i]]) / 2 + GAP_X);
      const y = isotonic(target.map((t, i) => t - c[i]));
      l.forEach((v, i) => { x[v] = y[i] + c[i]; });
    }
  }
  return x;
}

/** least-squares nondecreasing fit (pool adjacent violators) */
function isotonic(a: number[]): number[] {
  const vals: number[] = [], counts: number[] = [];
  for (const v of a) {
    vals.push(v); counts.push(1);
    while (vals.length > 1 && vals[vals.length - 2] > vals[vals.length - 1]) {
      const n = counts.pop()!, m = vals.pop()!;
      const k = counts.length - 1;
      vals[k] = (vals[k] * counts[k] + m * n) / (counts[k] + n);
      counts[k] += n;
    }
  }
  return vals.flatMap((v, i) => new Array<number>(counts[i]).fill(v));
}
