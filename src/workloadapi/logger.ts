/**
 * Where the Workload API client and the sources report what happens in the background:
 * waits that take long and rejected updates (`warn`), watches that end (`error`), and
 * retries (`info`). Any object with these four methods works, `console` included.
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

/**
 * The default logger of the client and the sources: warnings and errors go to
 * `console.warn` and `console.error` (stderr), debug and info lines are dropped. So a
 * program hears, without asking, what it would otherwise wait on in silence (an agent
 * that does not answer, a rejected update), and nothing about routine retries. Pass
 * {@linkcode nullLogger} to silence it, or any {@linkcode Logger} (`console` included) to
 * see more.
 *
 * @example
 * ```ts
 * import { consoleLogger } from "@spiffe-ts/spiffe";
 *
 * consoleLogger.info("dropped");
 * consoleLogger.warn("x509source: still waiting ..."); // on stderr
 * ```
 */
export const consoleLogger: Logger = Object.freeze({
  debug() {},
  info() {},
  warn(message: string) {
    console.warn(message);
  },
  error(message: string) {
    console.error(message);
  },
});
