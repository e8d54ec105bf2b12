// What the three sources share: who owns the client, waiting for the first update
// (bounded by a signal, and saying why it did not come), the current state, update
// subscribers, and an idempotent close that releases everything the source created.
import { SourceClosedError, type SpiffeError, WorkloadApiError } from "../errors.ts";
import type { BackoffStrategy } from "./backoff.ts";
import { KEEP_ALIVE, WorkloadApiClient } from "./client.ts";
import { type Logger, nullLogger } from "./logger.ts";
import { UpdateChannel } from "./_updates.ts";

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
   * an error that names the last watch error.
   *
   * @default {no bound: wait until the agent answers}
   */
  signal?: AbortSignal;
  /**
   * Where retries and rejected updates are reported (for a client the source makes).
   *
   * @default {nullLogger}
   */
  logger?: Logger;
  /**
   * How the watch waits between attempts (for a client the source makes).
   *
   * @default {exponentialBackoff()}
   */
  backoff?: BackoffStrategy;
}

/** A watch the core runs: it calls `update` with each new state and `error` with failures. */
export type WatchStarter<T> = (
  client: WorkloadApiClient,
  watcher: { update(state: T): void; error(err: SpiffeError): void; keepAlive(): boolean },
  signal: AbortSignal,
) => Promise<void>;

/** The state machine behind a source. */
export class SourceCore<T> {
  readonly #name: string;
  readonly #client: WorkloadApiClient;
  readonly #ownsClient: boolean;
  readonly #stop = new AbortController();
  readonly #channel = new UpdateChannel<T>();
  readonly #watches: Promise<void>[] = [];
  readonly #logger: Logger;
  #state: T | undefined;
  #lastError: SpiffeError | undefined;
  #closed = false;
  #waiting = true;

  constructor(name: string, options: SourceOptions) {
    this.#name = name;
    this.#ownsClient = options.client === undefined;
    this.#client = options.client ??
      new WorkloadApiClient({
        address: options.address,
        logger: options.logger,
        backoff: options.backoff,
      });
    this.#logger = options.logger ?? nullLogger;
  }

  /** The last error any watch reported, if any. */
  get lastError(): SpiffeError | undefined {
    return this.#lastError;
  }

  /**
   * Starts the watches and waits until `isReady(state)` holds for a published state.
   * On failure (signal aborted, fatal watch error) releases everything and throws.
   */
  async start(
    starters: WatchStarter<T>[],
    isReady: () => boolean,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    let ready!: () => void;
    let fail!: (err: unknown) => void;
    const readiness = new Promise<void>((resolve, reject) => {
      ready = resolve;
      fail = reject;
    });
    const unsubscribe = this.#channel.subscribe(() => {
      if (isReady()) ready();
    });
    for (const start of starters) {
      const watcher = {
        update: (state: T) => this.#publish(state),
        error: (err: SpiffeError) => {
          this.#lastError = err;
        },
        keepAlive: () => this.#waiting,
      };
      const watch = start(this.#client, watcher, this.#stop.signal).catch((err) => {
        this.#lastError = err;
        this.#logger.error(`${this.#name}: watch ended: ${err.message}`);
        fail(err);
      });
      this.#watches.push(watch);
    }
    const onAbort = () =>
      fail(
        new WorkloadApiError(
          `${this.#name}: no update before the signal aborted; last watch error: ${
            this.#lastError?.message ?? "none (the agent has not answered)"
          }`,
          {
            cause: this.#lastError ?? signal?.reason,
            grpcCode: (this.#lastError as WorkloadApiError | undefined)?.grpcCode,
          },
        ),
      );
    signal?.addEventListener("abort", onAbort, { once: true });
    if (signal?.aborted) onAbort();
    try {
      await readiness;
    } catch (err) {
      await this.close();
      throw err;
    } finally {
      this.#waiting = false;
      unsubscribe();
      signal?.removeEventListener("abort", onAbort);
    }
  }

  /** Replaces the state and tells subscribers; called by watches and by `set`. */
  #publish(state: T): void {
    if (this.#closed) return;
    this.#state = state;
    this.#channel.publish(state, (err) => {
      this.#logger.error(`${this.#name}: update listener threw: ${err}`);
    });
  }

  /** The current state; throws if the source is closed. */
  current(): T {
    if (this.#closed) throw new SourceClosedError(`${this.#name}: source is closed`);
    return this.#state!;
  }

  /** Whether a state has been published yet. */
  hasState(): boolean {
    return this.#state !== undefined;
  }

  subscribe(listener: (state: T) => void): () => void {
    return this.#channel.subscribe(listener);
  }

  iterate(signal?: AbortSignal): AsyncIterableIterator<T> {
    return this.#channel.iterate(signal);
  }

  /** Ends the watches, waits for them, and closes the client if the source made it. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stop.abort();
    this.#channel.close();
    await Promise.allSettled(this.#watches);
    if (this.#ownsClient) await this.#client.close();
  }

  get client(): WorkloadApiClient {
    return this.#client;
  }
}

/** Marks a watcher object so its retry waits keep the process alive while `keepAlive()`. */
export function withKeepAlive<W extends object>(watcher: W, keepAlive: () => boolean): W {
  return Object.assign(watcher, { [KEEP_ALIVE]: keepAlive });
}
