// The style and the script of show.html's page, inlined into every page (no external files).

export const PAGE_CSS = `
body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1d2230;background:#fafbfc}
header{padding:10px 18px;border-bottom:1px solid #dde2ea;background:#fff;position:sticky;top:0;z-index:2}
h1{font-size:17px;margin:0 0 4px}h2{font-size:14px;margin:6px 0;color:#445}
header p{margin:0 0 6px;max-width:1100px;color:#445}
#info{font:12px/1.35 ui-monospace,Menlo,Consolas,monospace;white-space:pre-wrap;background:#f3f6fb;border:1px solid #d5ddea;border-radius:6px;padding:6px 9px;min-height:3.9em;max-height:9.5em;overflow:auto}
main{display:flex;gap:14px;padding:10px 14px;align-items:flex-start}
section{flex:1 1 50%;overflow:auto;background:#fff;border:1px solid #dde2ea;border-radius:8px;padding:4px 8px;max-height:calc(100vh - 190px)}
svg{display:block}
.node rect{fill:#fff;stroke:#9aa6b8;stroke-width:1.2}
.node text{font:12px ui-monospace,Menlo,Consolas,monospace;fill:#1d2230}
.node .shape,.node .body{fill:#6b7585}.node .value{fill:#0b6b3a}.node .ct{fill:#9a2c12}.node .note{fill:#5a4fb0}.node .outname{fill:#445;font-weight:600}
.node.input rect{fill:#eef6ff}.node.const rect{fill:#f6f6f6;stroke-dasharray:3 2}
.node.out rect{stroke-width:2.4;stroke:#445}.node.recomputed rect{fill:#f4faf4}.node.loop rect{fill:#fffbef}
.node{cursor:pointer;outline:none}
.edge{fill:none;stroke:#b5bdca;stroke-width:1.3}
.elabel{display:none;font:11px ui-monospace,Menlo,Consolas,monospace;fill:#9a2c12;paint-order:stroke;stroke:#fff;stroke-width:3px}
.edge.term{stroke:#d0531f;stroke-width:2.6}.elabel.term{display:inline}
.edge.operand{stroke:#3d6fd8;stroke-width:2.2}
.node.sel rect{fill:#ffe6c7;stroke:#d0531f;stroke-width:2.6}
.node.user rect{stroke:#d0531f;stroke-width:2}
.node.cone rect{fill:#fff0e8;stroke:#d0531f}
.node.ctnode rect{fill:#ffd8c2;stroke:#d0531f;stroke-width:2.6}
.node.operand rect{stroke:#3d6fd8;stroke-width:2}
.why{color:#666;font-style:italic}
.consts{margin:0 0 4px;font:12px ui-monospace,Menlo,Consolas,monospace;color:#6b7585}
`;

/** hover previews a node, click pins it, Esc clears; all numbers come from the page's JSON */
export const PAGE_SCRIPT = `
(function () {
  var D = JSON.parse(document.getElementById('wengert-data').textContent);
  var info = document.getElementById('info');
  var pinned = null;
  var CLS = ['sel', 'term', 'user', 'cone', 'ctnode', 'operand'];
  function all(sel) { return Array.prototype.slice.call(document.querySelectorAll(sel)); }
  function node(prog, v) { return document.querySelector('g.node[data-prog="' + prog + '"][data-var="' + v + '"]'); }
  function mark(el, c) { if (el) el.classList.add(c); }
  function clear() { all('.' + CLS.join(',.')).forEach(function (el) { CLS.forEach(function (c) { el.classList.remove(c); }); }); }
  function fwd(v) {
    clear();
    mark(node('fwd', v), 'sel');
    all('[data-prog="fwd"][data-from="' + v + '"]').forEach(function (el) {
      el.classList.add('term');
      if (el.tagName === 'path') mark(node('fwd', el.getAttribute('data-to')), 'user');
    });
    (D.cone[v] || []).forEach(function (g) { mark(node('grad', g), 'cone'); });
    if (D.ct[v] !== undefined) mark(node('grad', D.ct[v]), 'ctnode');
    info.textContent = D.info[v] || '';
  }
  function grad(g) {
    var f = D.ctOf[g] !== undefined ? D.ctOf[g] : D.twin[g];
    if (f !== undefined && D.info[f] !== undefined) { fwd(f); mark(node('grad', g), 'sel'); return; }
    clear();
    mark(node('grad', g), 'sel');
    all('path[data-prog="grad"][data-to="' + g + '"]').forEach(function (el) { el.classList.add('operand'); mark(node('grad', el.getAttribute('data-from')), 'operand'); });
    info.textContent = D.ginfo[g] || '';
  }
  function show(el) { if (!el) { clear(); info.textContent = 'Hover or click a node.'; return; }
    var v = el.getAttribute('data-var'); if (el.getAttribute('data-prog') === 'fwd') fwd(v); else grad(v); }
  all('g.node').forEach(function (el) {
    el.addEventListener('mouseenter', function () { show(el); });
    el.addEventListener('mouseleave', function () { show(pinned); });
    el.addEventListener('click', function () { pinned = pinned === el ? null : el; show(pinned || el); });
    el.addEventListener('focus', function () { show(el); });
  });
  document.addEventListener('keydown', function (e) { if (e.key === 'Escape') { pinned = null; show(null); } });
  var m = /^#select=(fwd|grad):(\\d+)$/.exec(location.hash);
  if (m) { pinned = node(m[1], m[2]); show(pinned); }
  window.wengertShow = { select: function (prog, v) { pinned = node(prog, v); show(pinned); }, data: D };
})();
`;
