import { setTimeout as startTimer } from "node:timers";

/**
 * Waits `ms` milliseconds, or less if `signal` aborts (then it resolves, not rejects).
 * An unreferenced wait does not keep the process alive.
 */
export function sleep(ms: number, signal: AbortSignal, keepAlive: boolean): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = startTimer(done, ms);
    if (!keepAlive) timer.unref();
    signal.addEventListener("abort", done, { once: true });
  });
}
