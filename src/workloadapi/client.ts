import { SourceClosedError, SpiffeError, WorkloadApiError } from "../errors.ts";
import type { SpiffeId } from "../spiffeid/spiffe_id.ts";
import type { X509Svid } from "../svid/x509_svid.ts";
import { JwtSvid } from "../svid/jwt_svid.ts";
import type { X509BundleSet } from "../bundle/x509_bundle_set.ts";
import type { JwtBundleSet } from "../bundle/jwt_bundle_set.ts";
import { resolveEndpointAddress } from "./address.ts";
import { type BackoffStrategy, exponentialBackoff } from "./backoff.ts";
import { type Logger, nullLogger } from "./logger.ts";
import { SPIFFE_WORKLOAD_API } from "../_proto/methods.ts";
import {
  parseJwtBundlesResponse,
  parseJwtSvidResponse,
  parseX509BundlesResponse,
  parseX509Context,
} from "./_parse.ts";
import type {
  BundlesResponseMessage,
  JwtSvidResponseMessage,
  X509SvidResponseMessage,
} from "./wire_messages.ts";
import { Transport } from "./_transport.ts";
import { GrpcCode, runWatch, toWorkloadApiError } from "./_watch.ts";
import { UpdateChannel } from "./_updates.ts";
import type { X509Context } from "./x509_context.ts";

/** Options of {@linkcode WorkloadApiClient}. */
export interface WorkloadApiClientOptions {
  /**
   * The Workload API endpoint: `unix:///path/to/socket` or `tcp://127.0.0.1:port`.
   *
   * @default {the `SPIFFE_ENDPOINT_SOCKET` environment variable}
   */
  address?: string;
  /**
   * Where retries and rejected updates are reported.
   *
   * @default {nullLogger}
   */
  logger?: Logger;
  /**
   * How watches wait between attempts.
   *
   * @default {exponentialBackoff()}
   */
  backoff?: BackoffStrategy;
}

/** Options every call takes. */
export interface CallOptions {
  /** Aborts the call. */
  signal?: AbortSignal;
}

/** What {@linkcode WorkloadApiClient.fetchJwtSvid} asks for. */
export interface JwtSvidParams {
  /** The audience the token is for. */
  audience: string;
  /** More audiences (each token then names them all; prefer one). */
  extraAudiences?: string[];
  /**
   * The identity to get a token for, when the workload has several.
   *
   * @default {every identity (fetchJwtSvids) or the first (fetchJwtSvid)}
   */
  subject?: SpiffeId;
}

/** Receives X.509 context updates (go-spiffe's `X509ContextWatcher`). */
export interface X509ContextWatcher {
  /** Called with every new complete X.509 state. */
  onX509ContextUpdate(context: X509Context): void;
  /** Called when an update was rejected or the stream failed (it is retried if it can be). */
  onX509ContextWatchError(err: SpiffeError): void;
}

/** Receives X.509 bundle updates. */
export interface X509BundlesWatcher {
  /** Called with every new complete set of X.509 bundles. */
  onX509BundlesUpdate(bundles: X509BundleSet): void;
  /** Called when an update was rejected or the stream failed. */
  onX509BundlesWatchError(err: SpiffeError): void;
}

/** Receives JWT bundle updates. */
export interface JwtBundlesWatcher {
  /** Called with every new complete set of JWT bundles. */
  onJwtBundlesUpdate(bundles: JwtBundleSet): void;
  /** Called when an update was rejected or the stream failed. */
  onJwtBundlesWatchError(err: SpiffeError): void;
}

/**
 * Set on a watcher by the sources: while it returns true, retry waits keep the process
 * alive (someone is awaiting the first update).
 *
 * @internal
 */
export const KEEP_ALIVE: unique symbol = Symbol("spiffe-ts.keepAlive");

type KeepAlive = { [KEEP_ALIVE]?: () => boolean };

/**
 * A client of the SPIFFE Workload API (go-spiffe's `workloadapi.Client`): fetches and
 * watches X509-SVIDs, JWT-SVIDs and bundles from the agent (SPIRE in production, or the
 * devagent). It connects lazily, on the first call, over gRPC.
 *
 * Watches retry with backoff on `Unavailable`, `PermissionDenied`, other transient errors
 * and streams that end, and stop on `InvalidArgument`, `Unimplemented` or an aborted
 * signal. Every stream message is the complete state: a message that fails to parse is
 * reported to the watcher and skipped, so the last good state stays in force.
 *
 * @example Fetching the workload's X509-SVID
 * ```ts ignore
 * import { WorkloadApiClient } from "@spiffe-ts/spiffe";
 *
 * const client = new WorkloadApiClient({ address: "unix:///tmp/agent.sock" });
 * try {
 *   const svid = await client.fetchX509Svid();
 *   console.log(svid.id.toString());
 * } finally {
 *   await client.close();
 * }
 * ```
 */
export class WorkloadApiClient {
  readonly #transport: Transport;
  readonly #logger: Logger;
  readonly #backoff: BackoffStrategy;
  readonly #closing = new AbortController();

  /**
   * Creates a client. Nothing is dialed until the first call.
   *
   * @param options The address (else `SPIFFE_ENDPOINT_SOCKET`), logger and backoff.
   * @throws {TypeError} When no address is configured or it is not a valid endpoint
   * address (e.g. `workload endpoint tcp socket URI host component must be an IP:port`).
   */
  constructor(options: WorkloadApiClientOptions = {}) {
    this.#transport = new Transport(resolveEndpointAddress(options.address).target);
    this.#logger = options.logger ?? nullLogger;
    this.#backoff = options.backoff ?? exponentialBackoff();
  }

  /**
   * The current X.509 state: every SVID and the bundles.
   *
   * @param options `signal` to abort.
   * @returns The first complete state the agent sends.
   * @throws {WorkloadApiError} When the call fails (with its gRPC code), or the response
   * is malformed.
   * @throws {SourceClosedError} After `close()`.
   *
   * @example
   * ```ts ignore
   * import { WorkloadApiClient } from "@spiffe-ts/spiffe";
   *
   * const context = await new WorkloadApiClient().fetchX509Context();
   * console.log(context.svids[0].id.toString());
   * ```
   */
  fetchX509Context(options: CallOptions = {}): Promise<X509Context> {
    return this.#first(
      SPIFFE_WORKLOAD_API.FetchX509SVID,
      (message) => parseX509Context(message as X509SvidResponseMessage),
      options.signal,
    );
  }

  /**
   * The workload's default X509-SVID (the first the agent lists).
   *
   * @param options `signal` to abort.
   * @returns The SVID.
   * @throws {WorkloadApiError} As {@linkcode WorkloadApiClient.fetchX509Context}.
   *
   * @example
   * ```ts ignore
   * import { WorkloadApiClient } from "@spiffe-ts/spiffe";
   *
   * const svid = await new WorkloadApiClient().fetchX509Svid();
   * ```
   */
  async fetchX509Svid(options: CallOptions = {}): Promise<X509Svid> {
    return (await this.fetchX509Context(options)).svids[0];
  }

  /**
   * Every X509-SVID the workload is entitled to.
   *
   * @param options `signal` to abort.
   * @returns The SVIDs, the default first.
   * @throws {WorkloadApiError} As {@linkcode WorkloadApiClient.fetchX509Context}.
   *
   * @example
   * ```ts ignore
   * import { WorkloadApiClient } from "@spiffe-ts/spiffe";
   *
   * for (const svid of await new WorkloadApiClient().fetchX509Svids()) console.log(svid.hint);
   * ```
   */
  async fetchX509Svids(options: CallOptions = {}): Promise<readonly X509Svid[]> {
    return (await this.fetchX509Context(options)).svids;
  }

  /**
   * Watches the X.509 state until `signal` aborts.
   *
   * @param watcher Receives every update and every error.
   * @param signal Ends the watch.
   * @returns Resolves when `signal` aborts; rejects when the agent answers with a status
   * that must not be retried (`InvalidArgument`, `Unimplemented`), or with
   * {@linkcode SourceClosedError} when the client is closed already.
   *
   * @example
   * ```ts ignore
   * import { WorkloadApiClient } from "@spiffe-ts/spiffe";
   *
   * const stop = new AbortController();
   * await new WorkloadApiClient().watchX509Context({
   *   onX509ContextUpdate: (context) => console.log(context.svids[0].id.toString()),
   *   onX509ContextWatchError: (err) => console.error(err.message),
   * }, stop.signal);
   * ```
   */
  watchX509Context(watcher: X509ContextWatcher, signal: AbortSignal): Promise<void> {
    return this.#watch("X.509 context", SPIFFE_WORKLOAD_API.FetchX509SVID, {
      parse: (message) => parseX509Context(message as X509SvidResponseMessage),
      onUpdate: (context) => watcher.onX509ContextUpdate(context),
      onError: (err) => watcher.onX509ContextWatchError(err),
      keepAlive: (watcher as KeepAlive)[KEEP_ALIVE],
    }, signal);
  }

  /**
   * The X.509 state as an async iterator, newest first if the consumer falls behind.
   *
   * @param options `signal` ends the iteration.
   * @returns Every update until `signal` aborts or the client closes.
   *
   * @example
   * ```ts ignore
   * import { WorkloadApiClient } from "@spiffe-ts/spiffe";
   *
   * for await (const context of new WorkloadApiClient().x509ContextUpdates()) {
   *   console.log(context.svids[0].expiresAt);
   * }
   * ```
   */
  x509ContextUpdates(options: CallOptions = {}): AsyncIterableIterator<X509Context> {
    return this.#iterate<X509Context>((onUpdate, signal) =>
      this.watchX509Context({
        onX509ContextUpdate: onUpdate,
        onX509ContextWatchError: () => {},
      }, signal), options.signal);
  }

  /**
   * The X.509 bundles of every trust domain the agent knows.
   *
   * @param options `signal` to abort.
   * @returns The bundles.
   * @throws {WorkloadApiError} When the call fails or the response is malformed.
   * @throws {SourceClosedError} After `close()`.
   *
   * @example
   * ```ts ignore
   * import { WorkloadApiClient } from "@spiffe-ts/spiffe";
   *
   * const bundles = await new WorkloadApiClient().fetchX509Bundles();
   * ```
   */
  fetchX509Bundles(options: CallOptions = {}): Promise<X509BundleSet> {
    return this.#first(
      SPIFFE_WORKLOAD_API.FetchX509Bundles,
      (message) => parseX509BundlesResponse(message as BundlesResponseMessage),
      options.signal,
    );
  }

  /**
   * Watches the X.509 bundles until `signal` aborts.
   *
   * @param watcher Receives every update and every error.
   * @param signal Ends the watch.
   * @returns As {@linkcode WorkloadApiClient.watchX509Context}.
   *
   * @example
   * ```ts ignore
   * import { WorkloadApiClient } from "@spiffe-ts/spiffe";
   *
   * await new WorkloadApiClient().watchX509Bundles({
   *   onX509BundlesUpdate: (bundles) => console.log(bundles.size),
   *   onX509BundlesWatchError: (err) => console.error(err.message),
   * }, AbortSignal.timeout(60_000));
   * ```
   */
  watchX509Bundles(watcher: X509BundlesWatcher, signal: AbortSignal): Promise<void> {
    return this.#watch("X.509 bundles", SPIFFE_WORKLOAD_API.FetchX509Bundles, {
      parse: (message) => parseX509BundlesResponse(message as BundlesResponseMessage),
      onUpdate: (bundles) => watcher.onX509BundlesUpdate(bundles),
      onError: (err) => watcher.onX509BundlesWatchError(err),
      keepAlive: (watcher as KeepAlive)[KEEP_ALIVE],
    }, signal);
  }

  /**
   * The X.509 bundles as an async iterator.
   *
   * @param options `signal` ends the iteration.
   * @returns Every update until `signal` aborts or the client closes.
   *
   * @example
   * ```ts ignore
   * import { WorkloadApiClient } from "@spiffe-ts/spiffe";
   *
   * for await (const bundles of new WorkloadApiClient().x509BundlesUpdates()) {
   *   console.log(bundles.size);
   * }
   * ```
   */
  x509BundlesUpdates(options: CallOptions = {}): AsyncIterableIterator<X509BundleSet> {
    return this.#iterate<X509BundleSet>((onUpdate, signal) =>
      this.watchX509Bundles({
        onX509BundlesUpdate: onUpdate,
        onX509BundlesWatchError: () => {},
      }, signal), options.signal);
  }

  /**
   * A JWT-SVID for the audience (for the first identity, or `subject`).
   *
   * @param params `audience`, `extraAudiences`, `subject`.
   * @param options `signal` to abort.
   * @returns The token, checked for subject, audience and expiry.
   * @throws {WorkloadApiError} When the call fails or the response is malformed.
   * @throws {SourceClosedError} After `close()`.
   *
   * @example
   * ```ts ignore
   * import { WorkloadApiClient } from "@spiffe-ts/spiffe";
   *
   * const svid = await new WorkloadApiClient().fetchJwtSvid({ audience: "spiffe://example.org/db" });
   * const header = `Bearer ${svid.marshal()}`;
   * ```
   */
  async fetchJwtSvid(params: JwtSvidParams, options: CallOptions = {}): Promise<JwtSvid> {
    return (await this.fetchJwtSvids(params, options))[0];
  }

  /**
   * JWT-SVIDs for the audience: one per identity (or only `subject`'s).
   *
   * @param params `audience`, `extraAudiences`, `subject`.
   * @param options `signal` to abort.
   * @returns The tokens.
   * @throws {WorkloadApiError} As {@linkcode WorkloadApiClient.fetchJwtSvid}.
   *
   * @example
   * ```ts ignore
   * import { WorkloadApiClient } from "@spiffe-ts/spiffe";
   *
   * const svids = await new WorkloadApiClient().fetchJwtSvids({ audience: "db" });
   * ```
   */
  async fetchJwtSvids(params: JwtSvidParams, options: CallOptions = {}): Promise<JwtSvid[]> {
    if (typeof params?.audience !== "string" || params.audience === "") {
      throw new TypeError("audience is required");
    }
    const audience = [params.audience, ...(params.extraAudiences ?? [])];
    const response = await this.#unary<JwtSvidResponseMessage>(
      SPIFFE_WORKLOAD_API.FetchJWTSVID,
      { audience, spiffeId: params.subject?.toString() ?? "" },
      options.signal,
    );
    return parseJwtSvidResponse(response, audience);
  }

  /**
   * The JWT bundles of every trust domain the agent knows; usable as a JWT bundle source.
   *
   * @param options `signal` to abort.
   * @returns The bundles.
   * @throws {WorkloadApiError} When the call fails or the response is malformed.
   * @throws {SourceClosedError} After `close()`.
   *
   * @example
   * ```ts ignore
   * import { JwtSvid, WorkloadApiClient } from "@spiffe-ts/spiffe";
   *
   * declare const token: string;
   * const bundles = await new WorkloadApiClient().fetchJwtBundles();
   * const svid = JwtSvid.parseAndValidate(token, bundles, "my-service");
   * ```
   */
  fetchJwtBundles(options: CallOptions = {}): Promise<JwtBundleSet> {
    return this.#first(
      SPIFFE_WORKLOAD_API.FetchJWTBundles,
      (message) => parseJwtBundlesResponse(message as BundlesResponseMessage),
      options.signal,
    );
  }

  /**
   * Watches the JWT bundles until `signal` aborts.
   *
   * @param watcher Receives every update and every error.
   * @param signal Ends the watch.
   * @returns As {@linkcode WorkloadApiClient.watchX509Context}.
   *
   * @example
   * ```ts ignore
   * import { WorkloadApiClient } from "@spiffe-ts/spiffe";
   *
   * await new WorkloadApiClient().watchJwtBundles({
   *   onJwtBundlesUpdate: (bundles) => console.log(bundles.size),
   *   onJwtBundlesWatchError: (err) => console.error(err.message),
   * }, AbortSignal.timeout(60_000));
   * ```
   */
  watchJwtBundles(watcher: JwtBundlesWatcher, signal: AbortSignal): Promise<void> {
    return this.#watch("JWT bundles", SPIFFE_WORKLOAD_API.FetchJWTBundles, {
      parse: (message) => parseJwtBundlesResponse(message as BundlesResponseMessage),
      onUpdate: (bundles) => watcher.onJwtBundlesUpdate(bundles),
      onError: (err) => watcher.onJwtBundlesWatchError(err),
      keepAlive: (watcher as KeepAlive)[KEEP_ALIVE],
    }, signal);
  }

  /**
   * The JWT bundles as an async iterator.
   *
   * @param options `signal` ends the iteration.
   * @returns Every update until `signal` aborts or the client closes.
   *
   * @example
   * ```ts ignore
   * import { WorkloadApiClient } from "@spiffe-ts/spiffe";
   *
   * for await (const bundles of new WorkloadApiClient().jwtBundlesUpdates()) {
   *   console.log(bundles.size);
   * }
   * ```
   */
  jwtBundlesUpdates(options: CallOptions = {}): AsyncIterableIterator<JwtBundleSet> {
    return this.#iterate<JwtBundleSet>((onUpdate, signal) =>
      this.watchJwtBundles({
        onJwtBundlesUpdate: onUpdate,
        onJwtBundlesWatchError: () => {},
      }, signal), options.signal);
  }

  /**
   * Asks the agent to validate a JWT-SVID for `audience` (SPIFFE recommends this over
   * local validation).
   *
   * @param token The compact JWT-SVID.
   * @param audience The audience this workload accepts.
   * @param options `signal` to abort.
   * @returns The validated SVID with the claims the agent returned.
   * @throws {WorkloadApiError} When the agent rejects the token (`InvalidArgument`) or the
   * call fails.
   * @throws {SourceClosedError} After `close()`.
   *
   * @example
   * ```ts ignore
   * import { WorkloadApiClient } from "@spiffe-ts/spiffe";
   *
   * declare const token: string;
   * const svid = await new WorkloadApiClient().validateJwtSvid(token, "spiffe://example.org/db");
   * console.log(svid.id.toString());
   * ```
   */
  async validateJwtSvid(
    token: string,
    audience: string,
    options: CallOptions = {},
  ): Promise<JwtSvid> {
    if (typeof audience !== "string" || audience === "") {
      throw new TypeError("audience is required");
    }
    const response = await this.#unary<{ spiffeId?: string; claims?: unknown }>(
      SPIFFE_WORKLOAD_API.ValidateJWTSVID,
      { audience, svid: token },
      options.signal,
    );
    // As go-spiffe: the claims come from the token the agent has just vouched for.
    const svid = JwtSvid.parseInsecure(token, audience);
    if (response.spiffeId !== undefined && response.spiffeId !== svid.id.toString()) {
      throw new WorkloadApiError(
        `workloadapi: validated SPIFFE ID "${response.spiffeId}" does not match the token subject "${svid.id}"`,
      );
    }
    return svid;
  }

  /**
   * Closes the connection and ends every call and watch started by this client; later
   * calls reject with {@linkcode SourceClosedError}. Safe to call more than once.
   *
   * @returns Once the channel is closed.
   *
   * @example
   * ```ts ignore
   * import { WorkloadApiClient } from "@spiffe-ts/spiffe";
   *
   * const client = new WorkloadApiClient();
   * await client.close();
   * await client.close(); // no-op
   * ```
   */
  async close(): Promise<void> {
    this.#closing.abort();
    await this.#transport.close();
  }

  /**
   * The signal of one call: `signal` joined with this client's close. Throws when the
   * client is closed, or CANCELLED (as an aborted gRPC call would) when `signal` already
   * aborted, so that no call starts.
   */
  #callSignal(signal?: AbortSignal): AbortSignal {
    if (this.#closing.signal.aborted) throw closedError();
    if (signal?.aborted) {
      throw new WorkloadApiError("CANCELLED: Cancelled on client", {
        grpcCode: GrpcCode.CANCELLED,
        cause: signal.reason,
      });
    }
    return this.#linked(signal);
  }

  async #unary<Res>(
    method: Parameters<Transport["unary"]>[0],
    request: object,
    signal?: AbortSignal,
  ): Promise<Res> {
    try {
      const linked = this.#callSignal(signal);
      return await this.#transport.unary<object, Res>(method, request, linked);
    } catch (err) {
      throw err instanceof SpiffeError ? err : toWorkloadApiError(err);
    }
  }

  async #first<T>(
    method: Parameters<Transport["serverStream"]>[0],
    parse: (message: unknown) => T,
    signal?: AbortSignal,
  ): Promise<T> {
    const linked = this.#callSignal(signal);
    const stream = this.#transport.serverStream(method, {});
    const cancel = () => stream.cancel();
    linked.addEventListener("abort", cancel, { once: true });
    try {
      for await (const message of stream) return parse(message);
      throw new WorkloadApiError("workloadapi: stream closed before the first response");
    } catch (err) {
      throw err instanceof SpiffeError ? err : toWorkloadApiError(err);
    } finally {
      linked.removeEventListener("abort", cancel);
      stream.cancel();
    }
  }

  #watch<T>(
    name: string,
    method: Parameters<Transport["serverStream"]>[0],
    handlers: {
      parse(message: unknown): T;
      onUpdate(value: T): void;
      onError(err: SpiffeError): void;
      keepAlive?: () => boolean;
    },
    signal: AbortSignal,
  ): Promise<void> {
    if (this.#closing.signal.aborted) return Promise.reject(closedError());
    return runWatch({
      name,
      open: () => this.#transport.serverStream(method, {}),
      parse: handlers.parse,
      onUpdate: handlers.onUpdate,
      onError: handlers.onError,
      backoff: this.#backoff.newBackoff(),
      logger: this.#logger,
      signal: this.#linked(signal),
      keepAlive: handlers.keepAlive ?? (() => false),
    });
  }

  async *#iterate<T>(
    run: (onUpdate: (value: T) => void, signal: AbortSignal) => Promise<void>,
    signal?: AbortSignal,
  ): AsyncGenerator<T> {
    const stop = new AbortController();
    const linked = AbortSignal.any([stop.signal, this.#linked(signal)]);
    const channel = new UpdateChannel<T>();
    const updates = channel.iterate(linked);
    let failure: unknown;
    const watching = run((value) => channel.publish(value, () => {}), linked).then(
      () => channel.close(),
      (err) => {
        failure = err;
        channel.close();
      },
    );
    try {
      yield* updates;
      if (failure !== undefined) throw failure;
    } finally {
      stop.abort();
      await watching;
    }
  }

  /** `signal` joined with this client's own close. */
  #linked(signal?: AbortSignal): AbortSignal {
    return signal ? AbortSignal.any([signal, this.#closing.signal]) : this.#closing.signal;
  }
}

function closedError(): SourceClosedError {
  return new SourceClosedError("workloadapi: client is closed");
}
