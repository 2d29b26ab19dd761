// Median timing for the standalone benches: ≥ 2 warm-up calls, then `runs` timed calls (more for
// fast functions, up to a time budget).
export function median(f: () => unknown, runs = 7, budgetMs = 2000): number {
  f(); f();
  const t: number[] = [];
  const start = performance.now();
  while (t.length < runs || (t.length < 201 && performance.now() - start < budgetMs && t[t.length - 1] < 5)) {
    const t0 = performance.now();
    f();
    t.push(performance.now() - t0);
    if (t.length >= runs && performance.now() - start > budgetMs) break;
  }
  t.sort((a, b) => a - b);
  return t[t.length >> 1];
}

export const fmt = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms >= 1 ? ms.toFixed(2) : ms >= 0.01 ? ms.toFixed(3) : ms.toExponential(2));

export function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const width = header.map((_, j) => Math.max(...cells.map((r) => r[j].length)));
  const line = (r: string[]) => `| ${r.map((c, j) => c.padEnd(width[j])).join(' | ')} |`;
  return [line(header), `| ${width.map((n) => '-'.repeat(n)).join(' | ')} |`, ...rows.map((r) => line(r.map(String)))].join('\n');
}
