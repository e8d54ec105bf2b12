// The options every source (X509Source, JwtSource, BundleSource) takes.
import type { BackoffStrategy } from "./backoff.ts";
import type { WorkloadApiClient } from "./client.ts";
import type { Logger } from "./logger.ts";

/** Options every source takes. */
export interface SourceOptions {
  /**
   * The Workload API endpoint, when the source makes its own client.
   *
   * @default {the `SPIFFE_ENDPOINT_SOCKET` environment variable}
   */
  address?: string;
  /**
   * A client to use instead of making one; the source does not close it.
   *
   * @default {a new client, closed with the source}
   */
  client?: WorkloadApiClient;
  /**
   * Bounds the wait for the first update; when it aborts first, `create` rejects with
   * an error that names the address and the last watch error.
   *
   * @default {no bound: wait until the agent answers (saying so, see `waitWarning`)}
   */
  signal?: AbortSignal;
  /**
   * Where waits, rejected updates and retries are reported (also for the client the
   * source makes).
   *
   * @default {consoleLogger (warnings and errors on stderr); nullLogger silences it}
   */
  logger?: Logger;
  /**
   * How the watch waits between attempts (for a client the source makes).
   *
   * @default {exponentialBackoff()}
   */
  backoff?: BackoffStrategy;
  /**
   * When the source warns, through `logger`, that it has no current state: while
   * `create` waits for the first update, and while updates fail after that. The warning
   * names the address, where it came from, and the last error.
   *
   * @default {{ after: 5000, every: 60000 }}
   */
  waitWarning?: WaitWarningOptions;
}

/** When a wait is reported through the logger. */
export interface WaitWarningOptions {
  /**
   * Milliseconds of waiting before the first warning (`Infinity`: never).
   *
   * @default {5000}
   */
  after?: number;
  /**
   * Milliseconds between later warnings while the wait goes on (`Infinity`: warn once).
   *
   * @default {60000}
   */
  every?: number;
}
