// What the three sources share: who owns the client, waiting for the first update
// (bounded by a signal, said out loud while it lasts, and saying why it did not come),
// the current state, update subscribers, and an idempotent close that releases
// everything the source created.
import { SourceClosedError, SpiffeError, WorkloadApiError } from "../errors.ts";
import { type ClientInternals, clientInternals, WorkloadApiClient } from "./client.ts";
import { consoleLogger, type Logger } from "./logger.ts";
import type { SourceOptions } from "./source_options.ts";
import type { StreamKind } from "./_streams.ts";
import { UpdateChannel } from "./_updates.ts";
import { startWaitNotice, waitWarning } from "./_wait_notice.ts";

/** Where a source's watch delivers: new states, and errors (rejected updates, failures). */
export interface StateSink<T> {
  update(state: T): void;
  error(err: SpiffeError): void;
}

/** One watch of a source: a stream kind and how each of its values becomes the state. */
export interface SourceWatch<T> {
  run(
    client: ClientInternals,
    sink: StateSink<T>,
    signal: AbortSignal,
    keepAlive: () => boolean,
  ): Promise<void>;
}

/**
 * A watch of `kind` whose values become states through `toState`, which throws to reject
 * a value (the error is reported and the state kept).
 */
export function sourceWatch<Msg, U, T>(
  kind: StreamKind<Msg, U>,
  toState: (value: U) => T,
): SourceWatch<T> {
  return {
    run: (client, sink, signal, keepAlive) =>
      client.watch(
        kind,
        {
          onUpdate(value) {
            let state: T;
            try {
              state = toState(value);
            } catch (err) {
              if (!(err instanceof SpiffeError)) throw err;
              sink.error(err);
              return;
            }
            sink.update(state);
          },
          onError: (err) => sink.error(err),
        },
        signal,
        {
          keepAlive,
          // As go-spiffe's sources: retry for as long as the source lives.
          maxRetries: Number.POSITIVE_INFINITY,
          // The source warns for itself, once for all its watches.
          waitWarning: false,
        },
      ),
  };
}

/** The state machine behind a source. */
export class SourceCore<T> {
  readonly #name: string;
  readonly #client: WorkloadApiClient;
  readonly #internals: ClientInternals;
  readonly #ownsClient: boolean;
  readonly #stop = new AbortController();
  readonly #channel = new UpdateChannel<T>();
  readonly #watches: Promise<void>[] = [];
  readonly #logger: Logger;
  readonly #waitWarning;
  #state: T | undefined;
  #lastError: SpiffeError | undefined;
  #closed = false;
  #waiting = true;
  #isReady: () => boolean = () => false;
  /** The watches whose last word was an error rather than an update. */
  readonly #troubled = new Set<number>();
  #stopNotice: (() => void) | undefined;

  constructor(name: string, options: SourceOptions) {
    this.#name = name;
    this.#logger = options.logger ?? consoleLogger;
    this.#waitWarning = waitWarning(options.waitWarning);
    this.#ownsClient = options.client === undefined;
    this.#client = options.client ??
      new WorkloadApiClient({
        address: options.address,
        logger: options.logger,
        backoff: options.backoff,
        waitWarning: options.waitWarning,
      });
    this.#internals = clientInternals(this.#client);
  }

  /** The last error any watch reported, if any. */
  get lastError(): SpiffeError | undefined {
    return this.#lastError;
  }

  /**
   * Starts the watches and waits until `isReady(state)` holds for a published state,
   * warning through the logger while that takes long. On failure (signal aborted, fatal
   * watch error) releases everything and throws.
   */
  async start(
    watches: SourceWatch<T>[],
    isReady: () => boolean,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    let ready!: () => void;
    let fail!: (err: unknown) => void;
    const readiness = new Promise<void>((resolve, reject) => {
      ready = resolve;
      fail = reject;
    });
    this.#isReady = isReady;
    const unsubscribe = this.#channel.subscribe(() => {
      if (isReady()) ready();
    });
    this.#startNotice();
    for (const [index, watch] of watches.entries()) {
      const sink: StateSink<T> = {
        update: (state) => {
          this.#troubled.delete(index);
          this.#publish(state);
        },
        error: (err) => {
          this.#troubled.add(index);
          this.#lastError = err;
          this.#startNotice();
        },
      };
      const running = watch.run(this.#internals, sink, this.#stop.signal, () => this.#waiting)
        .catch((err) => {
          this.#lastError = err;
          // While `create` waits, its rejection reports the error; after that, nobody would.
          if (!this.#waiting) {
            this.#logger.error(
              `${this.#name}: watch ended, serving the last state until it expires: ${err.message}`,
            );
          }
          fail(err);
        });
      this.#watches.push(running);
    }
    const onAbort = () =>
      fail(
        new WorkloadApiError(
          `${this.#name}: no update from the Workload API at ${this.#internals.endpoint} ` +
            `before the signal aborted; last watch error: ${this.#lastErrorText()}`,
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

  #lastErrorText(): string {
    return this.#lastError?.message ?? "none (the agent has not answered)";
  }

  /**
   * Warns while the source is not current: until it is ready, and after that while a
   * watch's last word was an error rather than an update.
   */
  #startNotice(): void {
    if (this.#stopNotice !== undefined || this.#closed) return;
    this.#stopNotice = startWaitNotice(
      this.#logger,
      this.#waitWarning,
      (elapsed) =>
        !this.#isReady()
          ? `${this.#name}: still waiting for the first update from the Workload API at ` +
            `${this.#internals.endpoint} after ${elapsed}; last error: ${this.#lastErrorText()}`
          : `${this.#name}: no new update from the Workload API at ${this.#internals.endpoint} ` +
            `for ${elapsed}, serving the last one; last error: ${this.#lastErrorText()}`,
    );
  }

  #stopNoticeNow(): void {
    this.#stopNotice?.();
    this.#stopNotice = undefined;
  }

  /** Replaces the state and tells subscribers; called by watches and by `set`. */
  #publish(state: T): void {
    if (this.#closed) return;
    this.#state = state;
    if (this.#troubled.size === 0 && this.#isReady()) this.#stopNoticeNow();
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
    this.#stopNoticeNow();
    this.#stop.abort();
    this.#channel.close();
    await Promise.allSettled(this.#watches);
    if (this.#ownsClient) await this.#client.close();
  }

  get client(): WorkloadApiClient {
    return this.#client;
  }
}
