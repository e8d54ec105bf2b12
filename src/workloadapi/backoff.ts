/** One retry sequence: the delays between attempts of one watch. */
export interface Backoff {
  /**
   * The delay before the next attempt.
   *
   * @returns Milliseconds to wait.
   */
  next(): number;
  /** Starts over, after a good message arrived. */
  reset(): void;
}

/** Makes a {@linkcode Backoff} for each watch (go-spiffe's `BackoffStrategy`). */
export interface BackoffStrategy {
  /**
   * A fresh retry sequence.
   *
   * @returns The backoff of one watch.
   */
  newBackoff(): Backoff;
}

/** Options of {@linkcode exponentialBackoff}. */
export interface ExponentialBackoffOptions {
  /**
   * The first delay, in milliseconds.
   *
   * @default {100}
   */
  initialDelay?: number;
  /**
   * The largest delay, in milliseconds.
   *
   * @default {30000}
   */
  maxDelay?: number;
  /**
   * How much each delay grows over the previous one.
   *
   * @default {2}
   */
  multiplier?: number;
  /**
   * Random spread: each delay is drawn from `[d * (1 - jitter), d]`.
   *
   * @default {0.2}
   */
  jitter?: number;
}

/**
 * Exponential backoff with jitter: 100 ms, 200 ms, 400 ms ... up to 30 s by default,
 * each shortened by up to 20 % at random so that many workloads do not retry in step.
 *
 * @param options Delays and growth; validated now.
 * @returns The strategy.
 * @throws {RangeError} When an option is out of range.
 *
 * @example
 * ```ts
 * import { exponentialBackoff } from "@spiffe-ts/spiffe";
 *
 * const backoff = exponentialBackoff({ initialDelay: 50, maxDelay: 5000 }).newBackoff();
 * console.log(backoff.next() <= 50); // true
 * ```
 */
export function exponentialBackoff(options: ExponentialBackoffOptions = {}): BackoffStrategy {
  const initialDelay = options.initialDelay ?? 100;
  const maxDelay = options.maxDelay ?? 30_000;
  const multiplier = options.multiplier ?? 2;
  const jitter = options.jitter ?? 0.2;
  if (!(initialDelay > 0)) throw new RangeError("initialDelay must be positive");
  if (!(maxDelay >= initialDelay)) throw new RangeError("maxDelay must be at least initialDelay");
  if (!(multiplier >= 1)) throw new RangeError("multiplier must be at least 1");
  if (!(jitter >= 0 && jitter < 1)) throw new RangeError("jitter must be in [0, 1)");
  return {
    newBackoff() {
      let delay = initialDelay;
      return {
        next() {
          const current = delay;
          delay = Math.min(delay * multiplier, maxDelay);
          return current * (1 - jitter * Math.random());
        },
        reset() {
          delay = initialDelay;
        },
      };
    },
  };
}

/**
 * go-spiffe's default: 1 s, 2 s, 3 s ... growing by one second up to `maxDelay`.
 *
 * @param maxDelay The largest delay in milliseconds.
 * @returns The strategy.
 *
 * @example
 * ```ts
 * import { linearBackoff } from "@spiffe-ts/spiffe";
 *
 * const backoff = linearBackoff().newBackoff();
 * console.log(backoff.next(), backoff.next()); // 1000 2000
 * ```
 */
export function linearBackoff(maxDelay = 30_000): BackoffStrategy {
  return {
    newBackoff() {
      let attempt = 0;
      return {
        next: () => Math.min(++attempt * 1000, maxDelay),
        reset: () => {
          attempt = 0;
        },
      };
    },
  };
}
