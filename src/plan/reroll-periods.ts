// Candidate periods of a recorded tape for re-rolling (plan/reroll.ts): each position's k-gram of
// equation hashes votes for the distance back to its last repeat; distances with at least as many
// votes as their own length are the periods worth trying.

/** k-gram length used to vote for periods */
const GRAM = 8;

/** base of the rolling k-gram hash, and its (GRAM − 1)th power */
const B = 0x01000193;
const BTOP = Array.from({ length: GRAM - 1 }).reduce<number>((p) => Math.imul(p, B), 1);

/** k-grams are matched within windows of this many positions: periods up to half of it are found */
const WINDOW = 1 << 15;

/** distances at which k-grams of equation hashes repeat, most frequent first */
export function candidatePeriods(h: Int32Array, minBody: number): number[] {
  const votes = distanceVotes(h, minBody), ds: number[] = [];
  for (let d = minBody; d < votes.length; d++) if (votes[d] >= d) ds.push(d);
  return ds.sort((a, b) => votes[b] * b - votes[a] * a || a - b).slice(0, 8);
}

/** votes per distance between repeats of a k-gram (the hot loop alone: its optimized code never meets the sort) */
function distanceVotes(h: Int32Array, minBody: number): Int32Array {
  // last position of each k-gram hash in the current window: an open-addressing table of twice the
  // window (bounded: fresh memory is slow to touch, and the votes of a long loop saturate early)
  let cap = 16;
  while (cap < 2 * Math.min(h.length, WINDOW)) cap *= 2;
  const keys = new Int32Array(cap), at = new Int32Array(cap), mask = cap - 1;
  const votes = new Int32Array(Math.min(h.length, WINDOW) + 1);   // votes per distance (at most the window)
  let x = 0;
  for (let j = 0; j < GRAM && j < h.length; j++) x = (Math.imul(x, B) + h[j]) | 0;
  // one window at a time, each starting with an empty table (its reset ran before the JIT optimizes the loop)
  for (let from = 0; from + GRAM <= h.length; from += WINDOW) {
    at.fill(-1);
    for (let k = from, end = Math.min(from + WINDOW, h.length - GRAM + 1); k < end; k++) {
      // polynomial k-gram hash mod 2³², rolled: x = Σ_j h[k + j]·B^(GRAM−1−j)
      x = k === 0 ? x : (Math.imul(x - Math.imul(h[k - 1], BTOP), B) + h[k + GRAM - 1]) | 0;
      let slot = Math.imul(x, 0x9e3779b1) & mask;
      while (at[slot] >= 0 && keys[slot] !== x) slot = (slot + 1) & mask;
      if (at[slot] >= 0) { const d = k - at[slot]; if (d >= minBody) votes[d]++; }
      keys[slot] = x;
      at[slot] = k;
    }
  }
  return votes;
}
