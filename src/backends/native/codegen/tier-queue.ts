// The compiled tier's two schedules (tier.ts): compiles run one at a time, one job per cache key
// (programs of one source share it); and synchronous cache lookups (≤ ~2 ms of the main thread
// each) take at most ~2 ms of one turn of the event loop (the others wait for later turns, one per
// turn), so that n programs whose lookups become ready in one tick do not stall the main thread for
// n lookups back to back.

/** compiles run one at a time (a compiler takes a core); programs with the same key share one job */
let queue: Promise<unknown> = Promise.resolve();
const building = new Map<string, Promise<string>>();
export function enqueue(key: string, job: () => Promise<string>): Promise<string> {
  let p = building.get(key);
  if (!p) {
    // the key leaves `building` before its waiters resume: a waiter that enqueues it again gets a new job
    p = queue.then(job, job).finally(() => building.delete(key));
    queue = p.catch(() => {});
    building.set(key, p);
  }
  return p;
}

/**
 * main-thread ms the synchronous lookups of one turn may take: a lookup starts in this turn while
 * the turn's lookups took less (so programs made one after another do not wait for a turn), else it
 * waits for a later turn, one per turn, in order. @internal tests change it.
 */
export const lookupBudget = { ms: 2 };
/** this turn's lookups' ms; whether a turn end is scheduled; the lookups waiting for a later turn, in order */
const turn = { spent: 0, open: false, waiting: [] as (() => void)[] };

/** the next turn (setImmediate): its budget is fresh; the first waiting lookup may run */
function nextTurn(): void {
  turn.spent = 0;
  const go = turn.waiting.shift();
  if (!go) { turn.open = false; return; }
  setImmediate(nextTurn);
  go();
}

/** null: run the synchronous lookup now (then report its ms with spentOnLookup); else a promise of a later turn's */
export function syncTurn(): Promise<void> | null {
  if (!turn.open) { turn.open = true; setImmediate(nextTurn); }
  if (turn.spent < lookupBudget.ms && turn.waiting.length === 0) return null;
  return new Promise((go) => turn.waiting.push(go));
}

/** a synchronous lookup took ms of this turn */
export function spentOnLookup(ms: number): void { turn.spent += ms; }
