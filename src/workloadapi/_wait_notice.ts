// Waiting made visible: while something waits on the Workload API (a source for its first
// update, a fetch for its answer, a watch for its first message), one warning after a
// few seconds and then one a minute, saying what is awaited and the last error. Timers
// are unreferenced: a notice never keeps the process alive.
import { setTimeout as startTimer } from "node:timers";
import type { Logger } from "./logger.ts";
import type { WaitWarningOptions } from "./source_options.ts";

/** {@linkcode WaitWarningOptions} with the defaults filled in, checked. */
export type WaitWarning = Readonly<Required<WaitWarningOptions>>;

/** The defaults: 5 s, then every minute. */
export const DEFAULT_WAIT_WARNING: WaitWarning = Object.freeze({ after: 5000, every: 60_000 });

/**
 * Fills in and checks the options.
 *
 * @throws {RangeError} When a delay is not a positive number.
 */
export function waitWarning(options: WaitWarningOptions | undefined): WaitWarning {
  const after = options?.after ?? DEFAULT_WAIT_WARNING.after;
  const every = options?.every ?? DEFAULT_WAIT_WARNING.every;
  if (!(after > 0)) throw new RangeError("waitWarning.after must be a positive number of ms");
  if (!(every > 0)) throw new RangeError("waitWarning.every must be a positive number of ms");
  return Object.freeze({ after, every });
}

/** `1234` → `1.2 s`, `60000` → `60 s`, `250` → `250 ms`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  return `${seconds < 10 ? seconds.toFixed(1).replace(/\.0$/, "") : Math.round(seconds)} s`;
}

/**
 * Starts reporting a wait: `logger.warn(describe(elapsed))` after `warning.after` ms,
 * then every `warning.every` ms, until the returned function is called.
 */
export function startWaitNotice(
  logger: Logger,
  warning: WaitWarning,
  describe: (elapsed: string) => string,
): () => void {
  const started = Date.now();
  let timer: ReturnType<typeof startTimer> | undefined;
  const schedule = (ms: number) => {
    if (!Number.isFinite(ms)) return;
    timer = startTimer(() => {
      logger.warn(describe(formatDuration(Date.now() - started)));
      schedule(warning.every);
    }, ms);
    timer.unref();
  };
  schedule(warning.after);
  return () => {
    clearTimeout(timer);
    timer = undefined;
  };
}
