// Run by scripts/qemu.sh under qemu-x86_64 -cpu MODEL against a staged package (WENGERT_ROOT):
// every probe program at the level WENGERT_SIMD asks for (default: the dispatched one).
import { probePrograms, checkPrograms } from './probe-programs.mjs';

const w = await import(`${process.env.WENGERT_ROOT}/dist/index.js`);
const info = w.nativeInfo();
if (!info.available) { console.log(`native unavailable: ${info.reason}`); process.exit(2); }
const checked = checkPrograms(w, probePrograms(w));
console.log(`level ${w.nativeInfo().simd}: ${checked} programs checked (native = TS, value and gradient, traced and compiled)`);
