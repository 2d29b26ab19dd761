// The compiled tier's two schedules (tier.ts): compiles run one at a time, one job per cache key
// (programs of one source share it); and at most one synchronous cache lookup (≤ ~2 ms of the main
// thread) per turn of the event loop, so that n programs whose lookups become ready in one tick do
// not stall the main thread for n lookups back to back.

/** compiles run one at a time (a compiler takes a core); programs with the same key share one job */
let queue: Promise<unknown> = Promise.resolve();
const building = new Map<string, Promise<string>>();
export function enqueue(key: string, job: () => Promise<string>): Promise<string> {
  let p = building.get(key);
  if (!p) {
    p = queue.then(job, job);
    queue = p.catch(() => {});
    building.set(key, p);
    void p.catch(() => {}).finally(() => building.delete(key));
  }
  return p;
}

/** whether this turn's synchronous lookup is taken; the lookups waiting for a later turn, in order */
const turn = { used: false, waiting: [] as (() => void)[] };

/** the next turn (setImmediate): the first waiting lookup may run, or the turn is free */
function nextTurn(): void {
  const go = turn.waiting.shift();
  if (!go) { turn.used = false; return; }
  setImmediate(nextTurn);
  go();
}

/** null: take this turn's synchronous lookup now; else a promise of a later turn's (taken when it resolves) */
export function syncTurn(): Promise<void> | null {
  if (!turn.used) {
    turn.used = true;
    setImmediate(nextTurn);
    return null;
  }
  return new Promise((go) => turn.waiting.push(go));
}
