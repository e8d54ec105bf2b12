/**
 * Where the Workload API client and the sources report what happens in the background
 * (retries, rejected updates). Any object with these four methods works, `console`
 * included.
 */
export interface Logger {
  /**
   * Fine-grained progress.
   *
   * @param message What happened.
   */
  debug(message: string): void;
  /**
   * Notable events.
   *
   * @param message What happened.
   */
  info(message: string): void;
  /**
   * Problems that are handled (a retry, a rejected update).
   *
   * @param message What happened.
   */
  warn(message: string): void;
  /**
   * Problems that end something.
   *
   * @param message What happened.
   */
  error(message: string): void;
}

/**
 * A logger that drops everything: the default.
 *
 * @example
 * ```ts
 * import { nullLogger } from "@spiffe-ts/spiffe";
 *
 * nullLogger.warn("nobody hears this");
 * ```
 */
export const nullLogger: Logger = Object.freeze({
  debug() {},
  info() {},
  warn() {},
  error() {},
});
