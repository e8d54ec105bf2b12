import { SourceClosedError, SpiffeError, WorkloadApiError } from "../errors.ts";
import type { SpiffeId } from "../spiffeid/spiffe_id.ts";
import type { X509Svid } from "../svid/x509_svid.ts";
import { JwtSvid } from "../svid/jwt_svid.ts";
import type { X509BundleSet } from "../bundle/x509_bundle_set.ts";
import type { JwtBundleSet } from "../bundle/jwt_bundle_set.ts";
import { SPIFFE_WORKLOAD_API } from "../_proto/methods.ts";
import { describeEndpoint, notASocket, type ResolvedEndpoint, resolveEndpoint } from "./address.ts";
import { type BackoffStrategy, exponentialBackoff } from "./backoff.ts";
import { consoleLogger, type Logger } from "./logger.ts";
import { parseJwtSvidResponse } from "./_parse.ts";
import { JWT_BUNDLES, type StreamKind, X509_BUNDLES, X509_CONTEXT } from "./_streams.ts";
import { type ClientMethod, Transport } from "./_transport.ts";
import { GrpcCode, runWatch, toWorkloadApiError } from "./_watch.ts";
import { UpdateChannel } from "./_updates.ts";
import { startWaitNotice, type WaitWarning, waitWarning } from "./_wait_notice.ts";
import type { WaitWarningOptions } from "./source_options.ts";
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
   * Where waits, rejected updates and retries are reported: warnings about a wait that
   * takes long and about rejected updates, retries at `info`.
   *
   * @default {consoleLogger (warnings and errors on stderr); nullLogger silences it}
   */
  logger?: Logger;
  /**
   * How watches wait between attempts.
   *
   * @default {exponentialBackoff()}
   */
  backoff?: BackoffStrategy;
  /**
   * When a call or watch that is still waiting for the agent is reported through
   * `logger` (a warning naming the address and the last error).
   *
   * @default {{ after: 5000, every: 60000 }}
   */
  waitWarning?: WaitWarningOptions;
}

/** Options every call takes. */
export interface CallOptions {
  /** Aborts the call. */
  signal?: AbortSignal;
}

/** Options of the update iterators ({@linkcode WorkloadApiClient.x509ContextUpdates} ...). */
export interface UpdatesOptions extends CallOptions {
  /**
   * Called with every error as it happens (a rejected update, a failed or ended stream);
   * the iteration goes on while the error can be retried.
   *
   * @default {none: errors surface only when the iterator throws}
   */
  onError?: (err: SpiffeError) => void;
  /**
   * How many failed attempts in a row (with no good update in between) are retried before
   * the iterator throws. `Infinity` retries for as long as the signal allows, as a
   * watch does.
   *
   * @default {8 (about 25 s of an unreachable agent with the default backoff)}
   */
  maxRetries?: number;
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

/** The two callbacks of one watch. */
export interface WatchHandlers<T> {
  /** Every new complete state. */
  onUpdate(value: T): void;
  /** Every rejected update and every failure. */
  onError(err: SpiffeError): void;
}

/** How a watch runs; the public watches and iterators set it, the sources choose their own. */
export interface WatchOptions {
  /** Whether retry waits keep the process alive (the sources: while `create` waits). */
  keepAlive(): boolean;
  /** Failed attempts in a row retried before the watch gives up. */
  maxRetries: number;
  /** Whether the watch warns while no update has come (the sources warn for themselves). */
  waitWarning: boolean;
}

/** What the sources use of a client beyond its public methods. */
export interface ClientInternals {
  /** The endpoint as messages name it: `unix:///tmp/a.sock (from SPIFFE_ENDPOINT_SOCKET)`. */
  readonly endpoint: string;
  /** Runs a watch of `kind` with explicit options. */
  watch<Msg, T>(
    kind: StreamKind<Msg, T>,
    handlers: WatchHandlers<T>,
    signal: AbortSignal,
    options: WatchOptions,
  ): Promise<void>;
}

const internals = new WeakMap<WorkloadApiClient, ClientInternals>();

/**
 * The internals of `client`, for the sources (not part of the public API).
 *
 * @throws {TypeError} When `client` is not a {@linkcode WorkloadApiClient}.
 */
export function clientInternals(client: WorkloadApiClient): ClientInternals {
  const found = internals.get(client);
  if (found === undefined) throw new TypeError("client must be a WorkloadApiClient");
  return found;
}

/** A watch called through the public API: go-spiffe's semantics (retry until aborted). */
const PUBLIC_WATCH: WatchOptions = Object.freeze({
  keepAlive: () => false,
  maxRetries: Number.POSITIVE_INFINITY,
  waitWarning: true,
});

const DEFAULT_UPDATES_MAX_RETRIES = 8;

/**
 * A client of the SPIFFE Workload API (go-spiffe's `workloadapi.Client`): fetches and
 * watches X509-SVIDs, JWT-SVIDs and bundles from the agent (SPIRE in production, or the
 * devagent). It connects lazily, on the first call, over gRPC.
 *
 * Fetches fail at once when nothing listens at the address (`UNAVAILABLE`, or an
 * {@linkcode EndpointAddressError} when the unix path is a file or a directory rather than
 * a socket). A fetch the agent accepts but does not answer waits for its `signal`, with a
 * warning through the logger after 5 s and then every minute.
 *
 * Watches (`watch*`) follow go-spiffe: they retry with backoff on `Unavailable`,
 * `PermissionDenied`, other transient errors and streams that end, for as long as the
 * signal allows; they stop on `InvalidArgument`, `Unimplemented`, an address that cannot
 * work, or an aborted signal. Every error goes to the watcher as it happens. Every stream
 * message is the complete state: a message that fails to parse is reported to the watcher
 * and skipped, so the last good state stays in force.
 *
 * The update iterators (`*Updates`) have no watcher to tell, so they throw instead: at
 * once on an error that cannot be retried, and after `maxRetries` failed attempts in a
 * row (8 by default: about 25 s of an unreachable agent with the default backoff) with a
 * {@linkcode WorkloadApiError} that names the address and has the last failure as
 * `cause`. `onError` sees every error on the way.
 *
 * @example Fetching the workload's X509-SVID
 * ```ts
 * import { WorkloadApiClient } from "@spiffe-ts/spiffe";
 * import { startDevAgent } from "@spiffe-ts/spiffe/devagent";
 *
 * const dir = await Deno.makeTempDir();
 * await using agent = await startDevAgent({
 *   sockets: [{ path: `${dir}/agent.sock`, spiffeId: "spiffe://example.org/server" }],
 * });
 * await using client = new WorkloadApiClient({ address: agent.addresses[0] });
 * const svid = await client.fetchX509Svid();
 * console.log(svid.id.toString()); // spiffe://example.org/server
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class WorkloadApiClient implements AsyncDisposable {
  readonly #endpoint: ResolvedEndpoint;
  readonly #transport: Transport;
  readonly #logger: Logger;
  readonly #backoff: BackoffStrategy;
  readonly #waitWarning: WaitWarning;
  readonly #closing = new AbortController();

  /**
   * Creates a client. Nothing is dialed until the first call.
   *
   * @param options The address (else `SPIFFE_ENDPOINT_SOCKET`), logger, backoff and
   * `waitWarning`.
   * @throws {EndpointAddressError} When no address is configured or it is not a valid
   * endpoint address; the message names the value, where it came from and the fix.
   * @throws {RangeError} When a `waitWarning` delay is not positive.
   */
  constructor(options: WorkloadApiClientOptions = {}) {
    this.#endpoint = resolveEndpoint(options.address);
    this.#transport = new Transport(this.#endpoint.endpoint.target);
    this.#logger = options.logger ?? consoleLogger;
    this.#backoff = options.backoff ?? exponentialBackoff();
    this.#waitWarning = waitWarning(options.waitWarning);
    internals.set(this, {
      endpoint: describeEndpoint(this.#endpoint),
      watch: (kind, handlers, signal, watchOptions) =>
        this.#watch(kind, handlers, signal, watchOptions),
    });
  }

  /**
   * The current X.509 state: every SVID and the bundles.
   *
   * @param options `signal` to abort.
   * @returns The first complete state the agent sends.
   * @throws {WorkloadApiError} When the call fails (with its gRPC code), or the response
   * is malformed.
   * @throws {EndpointAddressError} When the unix path is not a socket.
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
    return this.#first(X509_CONTEXT, options.signal);
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
   * that must not be retried (`InvalidArgument`, `Unimplemented`), with an
   * {@linkcode EndpointAddressError} when the unix path is not a socket, or with
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
    return this.#watch(X509_CONTEXT, {
      onUpdate: (context) => watcher.onX509ContextUpdate(context),
      onError: (err) => watcher.onX509ContextWatchError(err),
    }, signal);
  }

  /**
   * The X.509 state as an async iterator, newest first if the consumer falls behind.
   *
   * @param options `signal` ends the iteration; `onError` sees every error; `maxRetries`
   * bounds the failed attempts in a row.
   * @returns Every update until `signal` aborts or the client closes.
   * @throws {RangeError} When `maxRetries` is negative.
   * The iterator throws a {@linkcode WorkloadApiError} on an error that cannot be retried,
   * or once `maxRetries` attempts in a row failed (naming the address and the last error).
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
  x509ContextUpdates(options: UpdatesOptions = {}): AsyncIterableIterator<X509Context> {
    return this.#iterate(X509_CONTEXT, options);
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
    return this.#first(X509_BUNDLES, options.signal);
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
    return this.#watch(X509_BUNDLES, {
      onUpdate: (bundles) => watcher.onX509BundlesUpdate(bundles),
      onError: (err) => watcher.onX509BundlesWatchError(err),
    }, signal);
  }

  /**
   * The X.509 bundles as an async iterator.
   *
   * @param options As {@linkcode WorkloadApiClient.x509ContextUpdates}.
   * @returns Every update until `signal` aborts or the client closes; it throws as
   * {@linkcode WorkloadApiClient.x509ContextUpdates}'s does.
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
  x509BundlesUpdates(options: UpdatesOptions = {}): AsyncIterableIterator<X509BundleSet> {
    return this.#iterate(X509_BUNDLES, options);
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
    const response = await this.#unary(
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
    return this.#first(JWT_BUNDLES, options.signal);
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
    return this.#watch(JWT_BUNDLES, {
      onUpdate: (bundles) => watcher.onJwtBundlesUpdate(bundles),
      onError: (err) => watcher.onJwtBundlesWatchError(err),
    }, signal);
  }

  /**
   * The JWT bundles as an async iterator.
   *
   * @param options As {@linkcode WorkloadApiClient.x509ContextUpdates}.
   * @returns Every update until `signal` aborts or the client closes; it throws as
   * {@linkcode WorkloadApiClient.x509ContextUpdates}'s does.
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
  jwtBundlesUpdates(options: UpdatesOptions = {}): AsyncIterableIterator<JwtBundleSet> {
    return this.#iterate(JWT_BUNDLES, options);
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
    const response = await this.#unary(
      SPIFFE_WORKLOAD_API.ValidateJWTSVID,
      { audience, svid: token },
      options.signal,
    );
    // As go-spiffe: the claims come from the token the agent has just vouched for.
    const svid = JwtSvid.parseInsecure(token, audience);
    if (response.spiffeId !== svid.id.toString()) {
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
   * Same as {@linkcode WorkloadApiClient.close}, for `await using`.
   *
   * @returns Once the channel is closed.
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
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

  /** What a failed call reports: a unix path that is no socket says so; else the failure. */
  async #explain(err: unknown): Promise<SpiffeError> {
    const failure = err instanceof SpiffeError ? err : toWorkloadApiError(err);
    if (!(failure instanceof WorkloadApiError) || failure.grpcCode !== GrpcCode.UNAVAILABLE) {
      return failure;
    }
    return (await notASocket(this.#endpoint, failure)) ?? failure;
  }

  /** Warns while a call has no answer (see {@linkcode WorkloadApiClientOptions.waitWarning}). */
  #noticeCall(method: { methodName: string }): () => void {
    return startWaitNotice(
      this.#logger,
      this.#waitWarning,
      (elapsed) =>
        `workloadapi: no answer to ${method.methodName} from the Workload API at ` +
        `${
          describeEndpoint(this.#endpoint)
        } after ${elapsed}; the call waits until its signal aborts`,
    );
  }

  async #unary<Req, Res>(
    method: ClientMethod<Req, Res, false>,
    request: Req,
    signal?: AbortSignal,
  ): Promise<Res> {
    const linked = this.#callSignal(signal);
    const stopNotice = this.#noticeCall(method);
    try {
      return await this.#transport.unary(method, request, linked);
    } catch (err) {
      throw await this.#explain(err);
    } finally {
      stopNotice();
    }
  }

  async #first<Msg, T>(kind: StreamKind<Msg, T>, signal?: AbortSignal): Promise<T> {
    const linked = this.#callSignal(signal);
    const stream = this.#transport.serverStream(kind.method, {});
    const cancel = () => stream.cancel();
    linked.addEventListener("abort", cancel, { once: true });
    const stopNotice = this.#noticeCall(kind.method);
    try {
      for await (const message of stream) return kind.parse(message);
      throw new WorkloadApiError("workloadapi: stream closed before the first response");
    } catch (err) {
      throw await this.#explain(err);
    } finally {
      stopNotice();
      linked.removeEventListener("abort", cancel);
      stream.cancel();
    }
  }

  #watch<Msg, T>(
    kind: StreamKind<Msg, T>,
    handlers: WatchHandlers<T>,
    signal: AbortSignal,
    options: WatchOptions = PUBLIC_WATCH,
  ): Promise<void> {
    if (this.#closing.signal.aborted) return Promise.reject(closedError());
    return runWatch({
      name: kind.name,
      endpoint: describeEndpoint(this.#endpoint),
      open: () => this.#transport.serverStream(kind.method, {}),
      parse: kind.parse,
      onUpdate: handlers.onUpdate,
      onError: handlers.onError,
      explain: (failure) => this.#explain(failure),
      backoff: this.#backoff.newBackoff(),
      logger: this.#logger,
      signal: this.#linked(signal),
      keepAlive: options.keepAlive,
      maxRetries: options.maxRetries,
      waitWarning: options.waitWarning ? this.#waitWarning : undefined,
    });
  }

  #iterate<Msg, T>(kind: StreamKind<Msg, T>, options: UpdatesOptions): AsyncGenerator<T> {
    const maxRetries = options.maxRetries ?? DEFAULT_UPDATES_MAX_RETRIES;
    if (!(maxRetries >= 0)) throw new RangeError("maxRetries must be a number >= 0");
    return this.#updates(kind, options, { ...PUBLIC_WATCH, maxRetries });
  }

  async *#updates<Msg, T>(
    kind: StreamKind<Msg, T>,
    options: UpdatesOptions,
    watchOptions: WatchOptions,
  ): AsyncGenerator<T> {
    const stop = new AbortController();
    const linked = AbortSignal.any([stop.signal, this.#linked(options.signal)]);
    const channel = new UpdateChannel<T>();
    const updates = channel.iterate(linked);
    const onError = options.onError ?? (() => {});
    let failure: unknown;
    const watching = this.#watch(
      kind,
      {
        onUpdate: (value) => channel.publish(value, () => {}),
        onError,
      },
      linked,
      watchOptions,
    ).then(
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
