// CPU used by other processes, from /proc/stat (machine-wide busy time) minus this process's own
// CPU time. Linux only; elsewhere the load reads as NaN and waitQuiet returns at once.
import { readFileSync } from 'node:fs';

const HZ = 100; // USER_HZ: /proc/stat counts in 1/100 s on Linux

export interface Busy { at: number; busyMs: number; ownMs: number; othersSince(earlier: Busy): number }

function machineBusyMs(): number {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const idle = f[3] + (f[4] || 0); // idle + iowait
    return ((f.slice(0, 8).reduce((a, b) => a + b, 0) - idle) * 1000) / HZ;
  } catch { return NaN; }
}

export function busyJiffies(): Busy {
  const u = process.cpuUsage();
  const b: Busy = {
    at: performance.now(), busyMs: machineBusyMs(), ownMs: (u.user + u.system) / 1000,
    // cores used by others between `earlier` and this reading
    othersSince: (e) => Math.max(0, (b.busyMs - e.busyMs - (b.ownMs - e.ownMs)) / (b.at - e.at)),
  };
  return b;
}

/** Block until other processes use < 0.1 core over a 1 s window, or `seconds` have passed. */
export function waitQuiet(seconds: number): number {
  const end = performance.now() + seconds * 1000;
  const buf = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    const a = busyJiffies();
    Atomics.wait(buf, 0, 0, 1000);
    const load = busyJiffies().othersSince(a);
    if (!(load >= 0.1) || performance.now() > end) return load;
  }
}
