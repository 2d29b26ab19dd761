// npm run test:browser — the pages of examples/explain.ts in a real browser (headless Chromium,
// the Debian package: apt-get install -y chromium; another binary with CHROMIUM=path).
// For each page: a copy with a checker script appended is loaded and its DOM dumped; the checker
// lists every node (equation, value, cotangent), checks that nodes do not overlap and that text
// fits its box, hovers every forward node (the chain-rule terms flowing into its cotangent must
// light up, with the cotangent's equations on the gradient side), and clicks / Esc. Node side, the
// nodes are compared with w.show.values's text: every equation of both programs is a node, with
// the same value and cotangent. Then a screenshot of each page; those of the first- and
// second-order pages are written to docs/ for the README.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, copyFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, basename } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as w from '../src/index.js';
import { examples, writePages } from '../examples/explain.js';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const ROOT = resolve(import.meta.dirname, '..');
const SHOTS: Record<string, { name: string; select: string; size: string }> = {
  'first-order.html': { name: 'show-html-first-order.png', select: 'fwd:0', size: '1500,560' },
  'second-order.html': { name: 'show-html-second-order.png', select: 'fwd:0', size: '1800,1000' },
};

const CHECK = `<script>(function () {
  var out = { nodes: [], errors: [] };
  function err(m) { if (out.errors.length < 40) out.errors.push(m); }
  var S = window.wengertShow;
  if (!S) err('the page script did not run');
  var nodes = Array.prototype.slice.call(document.querySelectorAll('g.node'));
  nodes.forEach(function (n) {
    out.nodes.push({ prog: n.getAttribute('data-prog'), v: +n.getAttribute('data-var'), eqn: n.getAttribute('data-eqn'),
      value: n.getAttribute('data-value'), ct: n.getAttribute('data-ct') });
    var t = n.querySelector('text').getBBox(), r = n.querySelector('rect').getBBox();
    if (t.width > r.width + 0.5 || t.height > r.height + 0.5) err('text overflows node ' + n.getAttribute('data-prog') + ' %' + n.getAttribute('data-var'));
  });
  ['fwd', 'grad'].forEach(function (p) {
    var rs = nodes.filter(function (n) { return n.getAttribute('data-prog') === p; }).map(function (n) { return [n.getAttribute('data-var'), n.querySelector('rect').getBBox()]; });
    for (var i = 0; i < rs.length; i++) for (var j = i + 1; j < rs.length; j++) {
      var a = rs[i][1], b = rs[j][1];
      if (a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height) err(p + ': nodes %' + rs[i][0] + ' and %' + rs[j][0] + ' overlap');
    }
  });
  var info = document.getElementById('info');
  nodes.filter(function (n) { return n.getAttribute('data-prog') === 'fwd'; }).forEach(function (n) {
    var v = n.getAttribute('data-var');
    n.dispatchEvent(new MouseEvent('mouseenter'));
    if (!n.classList.contains('sel')) err('hover does not select fwd %' + v);
    var uses = document.querySelectorAll('path[data-prog="fwd"][data-from="' + v + '"]').length;
    var lit = document.querySelectorAll('path.term[data-prog="fwd"][data-from="' + v + '"]').length;
    if (lit !== uses) err('fwd %' + v + ': ' + lit + ' of ' + uses + ' chain-rule terms highlighted');
    Array.prototype.forEach.call(document.querySelectorAll('text.elabel.term'), function (l) {
      if (getComputedStyle(l).display === 'none') err('fwd %' + v + ': a term label stays hidden');
    });
    var ct = n.getAttribute('data-ct');
    if (ct && S && S.data.ct[v] !== undefined) {
      if (!document.querySelector('g.node.ctnode[data-prog="grad"][data-var="' + S.data.ct[v] + '"]')) err('fwd %' + v + ': its cotangent is not highlighted in the gradient program');
      if (info.textContent.indexOf(ct) < 0) err('fwd %' + v + ': the info box does not show the cotangent ' + ct);
    }
    n.dispatchEvent(new MouseEvent('mouseleave'));
  });
  var f = nodes.filter(function (n) { return n.getAttribute('data-prog') === 'fwd'; });
  if (f.length > 1) {
    f[0].dispatchEvent(new MouseEvent('click'));
    f[1].dispatchEvent(new MouseEvent('mouseenter')); f[1].dispatchEvent(new MouseEvent('mouseleave'));
    if (!f[0].classList.contains('sel')) err('a click does not pin the selection');
    document.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape' }));
    if (document.querySelector('.sel')) err('Esc does not clear the selection');
  }
  var pre = document.createElement('pre');
  pre.id = 'wengert-check';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();</script>`;

function chromium(profile: string, args: string[]): string {
  const r = spawnSync(CHROMIUM, ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync', '--hide-scrollbars',
    `--user-data-dir=${profile}`, ...args], { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 << 20 });
  if (r.error) throw new Error(`cannot run ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM): ${r.error.message}`);
  if (r.status !== 0) throw new Error(`chromium exited with ${r.status}: ${r.stderr.slice(-2000)}`);
  return r.stdout;
}

const unescape = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');

interface Row { eqn: string; value?: string; ct?: string }
/** the top-level equations of show.values's forward program (section 0) and gradient program (last section) */
function expected(text: string): { fwd: Row[]; grad: Row[] } {
  const sections = text.split('\n\n');
  const rows = (s: string) => s.split('\n').filter((l) => /^(%\d+ =|in %)/.test(l)).map((l) => {
    const cols = l.split(/\s{3,}/);
    const value = cols.find((c) => c.startsWith('= '))?.slice(2);
    const ct = cols.find((c) => c.startsWith('v̄ = '))?.slice('v̄ = '.length);
    return { eqn: cols[0], value, ct: ct === '—' ? undefined : ct };
  });
  return { fwd: rows(sections[0]), grad: sections.length > 2 ? rows(sections[sections.length - 1]) : [] };
}

const t0 = performance.now();
const work = mkdtempSync(join(tmpdir(), 'wengert-browser-'));
let failures = 0;
try {
  const pages = writePages(join(work, 'pages'));
  pages.forEach((page, i) => {
    const ex = examples[i];
    const html = readFileSync(page, 'utf8');
    if (/\b(src|href)\s*=\s*"(?!#)/i.test(html) || /https?:\/\//.test(html.replace(/xmlns="http:\/\/www\.w3\.org\/2000\/svg"/g, ''))) {
      console.log(`✗ ${ex.file}: the page refers to an external resource`); failures++;
    }
    const checkPath = page.replace(/\.html$/, '.check.html');
    writeFileSync(checkPath, html.replace('</body>', `${CHECK}</body>`));
    const dom = chromium(join(work, `profile-${i}`), ['--virtual-time-budget=3000', '--dump-dom', pathToFileURL(checkPath).href]);
    const m = /<pre id="wengert-check">([\s\S]*?)<\/pre>/.exec(dom);
    if (!m) { console.log(`✗ ${ex.file}: the checker wrote no result`); failures++; return; }
    const got = JSON.parse(unescape(m[1])) as { nodes: { prog: string; v: number; eqn: string | null; value: string | null; ct: string | null }[]; errors: string[] };
    const errors = [...got.errors];
    const want = expected(w.show.values(ex.f, ...ex.args));
    for (const prog of ['fwd', 'grad'] as const) {
      for (const r of want[prog]) {
        const n = got.nodes.find((x) => x.prog === prog && x.eqn === r.eqn);
        if (!n) { errors.push(`${prog}: no node for ${r.eqn}`); continue; }
        if (r.value !== undefined && n.value !== r.value) errors.push(`${prog}: ${r.eqn}: value ${n.value} on the page, ${r.value} in show.values`);
        if (prog === 'fwd' && (n.ct ?? undefined) !== r.ct) errors.push(`${prog}: ${r.eqn}: cotangent ${n.ct} on the page, ${r.ct} in show.values`);
      }
    }
    const nEqn = want.fwd.length + want.grad.length;
    if (nEqn === 0) errors.push('show.values listed no equations');
    if (errors.length) { failures++; console.log(`✗ ${ex.file}:\n    ${errors.join('\n    ')}`); } else {
      console.log(`✓ ${ex.file}: ${got.nodes.length} nodes, ${nEqn} inputs and equations of show.values matched, hover/click/Esc checked`);
    }
    const shot = SHOTS[basename(page)];
    const png = join(work, `${basename(page, '.html')}.png`);
    chromium(join(work, `shot-${i}`), [`--window-size=${shot?.size ?? '1800,1000'}`, '--virtual-time-budget=3000', `--screenshot=${png}`,
      `${pathToFileURL(page).href}${shot ? `#select=${shot.select}` : ''}`]);
    if (shot) { copyFileSync(png, join(ROOT, 'docs', shot.name)); console.log(`  screenshot: docs/${shot.name}`); }
  });
} finally {
  if (!process.env.KEEP) rmSync(work, { recursive: true, force: true }); else console.log(`kept ${work}`);
}
console.log(`${failures ? 'FAILED' : 'ok'}: ${examples.length} pages in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
process.exit(failures ? 1 : 0);
