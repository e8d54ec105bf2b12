import type { TrustDomain } from "../spiffeid/trust_domain.ts";
import type { JwtBundle } from "../bundle/jwt_bundle.ts";
import type { JwtBundleSet } from "../bundle/jwt_bundle_set.ts";
import type { JwtBundleSource } from "../bundle/source.ts";
import type { JwtSvid } from "../svid/jwt_svid.ts";
import { WorkloadApiError } from "../errors.ts";
import type { CallOptions, JwtSvidParams } from "./client.ts";
import { GrpcCode } from "./_watch.ts";
import { SourceCore, sourceWatch } from "./_source_core.ts";
import type { SourceOptions } from "./source_options.ts";
import { JWT_BUNDLES } from "./_streams.ts";

interface CachedTokens {
  svids: Promise<JwtSvid[]>;
  /** When the tokens are past half their lifetime and are fetched again. */
  refreshAt: number;
}

/**
 * A self-updating JWT bundle source with cached JWT-SVID fetching, backed by the
 * Workload API (go-spiffe's `workloadapi.JWTSource`). Tokens are cached per audience and
 * subject and fetched again once half their lifetime has passed.
 *
 * @example Getting a token and validating one
 * ```ts ignore
 * import { JwtSvid, JwtSource } from "@spiffe-ts/spiffe";
 *
 * await using source = await JwtSource.create({ signal: AbortSignal.timeout(10_000) });
 * const mine = await source.fetchJwtSvid({ audience: "spiffe://example.org/db" });
 * declare const incoming: string;
 * const peer = JwtSvid.parseAndValidate(incoming, source, "spiffe://example.org/me");
 * ```
 */
export class JwtSource implements JwtBundleSource, AsyncDisposable {
  readonly #core: SourceCore<JwtBundleSet>;
  readonly #cache = new Map<string, CachedTokens>();

  private constructor(core: SourceCore<JwtBundleSet>) {
    this.#core = core;
  }

  /**
   * Connects to the Workload API and resolves once the first JWT bundles arrived.
   * While it waits it warns through the logger (stderr by default) after 5 s and then
   * every minute, naming the address, where it came from, and the last error; it keeps
   * retrying, as go-spiffe does, until `signal` aborts.
   *
   * @param options Address or client, `signal` bounding the wait, logger, backoff,
   * `waitWarning`.
   * @returns The ready source.
   * @throws {WorkloadApiError} When `signal` aborts first (naming the last watch error) or
   * the agent refuses the request for good.
   * @throws {EndpointAddressError} When no address is configured, it is invalid, or its
   * unix path is not a socket.
   *
   * @example
   * ```ts ignore
   * import { JwtSource } from "@spiffe-ts/spiffe";
   *
   * const source = await JwtSource.create({ address: "unix:///tmp/agent.sock" });
   * await source.close();
   * ```
   */
  static async create(options: SourceOptions = {}): Promise<JwtSource> {
    const core = new SourceCore<JwtBundleSet>("jwtsource", options);
    await core.start(
      [sourceWatch(JWT_BUNDLES, (bundles: JwtBundleSet) => bundles)],
      () => core.hasState(),
      options.signal,
    );
    return new JwtSource(core);
  }

  /**
   * A JWT-SVID for the audience, from the cache while it is younger than half its life.
   *
   * @param params `audience`, `extraAudiences`, `subject`.
   * @param options `signal` to abort a fetch.
   * @returns The token.
   * @throws {WorkloadApiError} When the fetch fails.
   * @throws {SourceClosedError} After `close()`.
   *
   * @example
   * ```ts ignore
   * import type { JwtSource } from "@spiffe-ts/spiffe";
   *
   * declare const source: JwtSource;
   * const svid = await source.fetchJwtSvid({ audience: "db" });
   * ```
   */
  async fetchJwtSvid(params: JwtSvidParams, options: CallOptions = {}): Promise<JwtSvid> {
    return (await this.fetchJwtSvids(params, options))[0];
  }

  /**
   * JWT-SVIDs for the audience, one per identity (or only `subject`'s), cached as
   * {@linkcode JwtSource.fetchJwtSvid} is.
   *
   * @param params `audience`, `extraAudiences`, `subject`.
   * @param options `signal` to abort a fetch.
   * @returns The tokens.
   * @throws {WorkloadApiError} When the fetch fails.
   * @throws {SourceClosedError} After `close()`.
   *
   * @example
   * ```ts ignore
   * import type { JwtSource } from "@spiffe-ts/spiffe";
   *
   * declare const source: JwtSource;
   * const svids = await source.fetchJwtSvids({ audience: "db" });
   * ```
   */
  fetchJwtSvids(params: JwtSvidParams, options: CallOptions = {}): Promise<JwtSvid[]> {
    try {
      this.#core.current(); // throws once closed
    } catch (err) {
      return Promise.reject(err);
    }
    if (options.signal?.aborted) return Promise.reject(cancelled(options.signal));
    const key = JSON.stringify([
      params.audience,
      params.extraAudiences ?? [],
      params.subject?.toString() ?? "",
    ]);
    const cached = this.#cache.get(key);
    if (cached !== undefined && Date.now() < cached.refreshAt) {
      return untilAborted(cached.svids, options.signal);
    }
    const fetchedAt = Date.now();
    // Shared by every caller that asks for these tokens meanwhile, so no single caller's
    // signal may cancel it: each caller only stops waiting (`untilAborted`).
    const svids = this.#core.client.fetchJwtSvids(params);
    const entry: CachedTokens = { svids, refreshAt: Number.POSITIVE_INFINITY };
    this.#cache.set(key, entry);
    svids.then((tokens) => {
      const expiry = Math.min(...tokens.map((svid) => svid.expiresAt.getTime()));
      entry.refreshAt = fetchedAt + (expiry - fetchedAt) / 2;
    }, () => {
      if (this.#cache.get(key) === entry) this.#cache.delete(key);
    });
    return untilAborted(svids, options.signal);
  }

  /**
   * The current JWT bundle of `trustDomain`.
   *
   * @param trustDomain The trust domain.
   * @returns Its bundle.
   * @throws {BundleError} When the agent delivered none for it.
   * @throws {SourceClosedError} After `close()`.
   *
   * @example
   * ```ts ignore
   * import { TrustDomain, type JwtSource } from "@spiffe-ts/spiffe";
   *
   * declare const source: JwtSource;
   * source.getJwtBundleForTrustDomain(TrustDomain.parse("example.org"));
   * ```
   */
  getJwtBundleForTrustDomain(trustDomain: TrustDomain): JwtBundle {
    return this.#core.current().getJwtBundleForTrustDomain(trustDomain);
  }

  /**
   * Calls `listener` with every new set of JWT bundles.
   *
   * @param listener Receives each new set.
   * @returns A function that removes the listener.
   *
   * @example
   * ```ts ignore
   * import type { JwtSource } from "@spiffe-ts/spiffe";
   *
   * declare const source: JwtSource;
   * const stop = source.onUpdate((bundles) => console.log(bundles.size));
   * ```
   */
  onUpdate(listener: (bundles: JwtBundleSet) => void): () => void {
    return this.#core.subscribe(listener);
  }

  /**
   * New JWT bundle sets as an async iterator.
   *
   * @param signal Ends the iteration.
   * @returns The iterator; it ends when the source closes.
   *
   * @example
   * ```ts ignore
   * import type { JwtSource } from "@spiffe-ts/spiffe";
   *
   * declare const source: JwtSource;
   * for await (const bundles of source.updates()) console.log(bundles.size);
   * ```
   */
  updates(signal?: AbortSignal): AsyncIterableIterator<JwtBundleSet> {
    return this.#core.iterate(signal);
  }

  /**
   * Stops watching and releases what the source created. Safe to call more than once.
   *
   * @returns Once everything is released.
   *
   * @example
   * ```ts ignore
   * import type { JwtSource } from "@spiffe-ts/spiffe";
   *
   * declare const source: JwtSource;
   * await source.close();
   * ```
   */
  close(): Promise<void> {
    this.#cache.clear();
    return this.#core.close();
  }

  /**
   * Same as {@linkcode JwtSource.close}, for `await using`.
   *
   * @returns Once everything is released.
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * `shared`, or a CANCELLED rejection (as the client gives for an aborted call) as soon as
 * `signal` aborts; the shared fetch itself goes on for the other callers.
 */
function untilAborted<T>(shared: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return shared;
  if (signal.aborted) return Promise.reject(cancelled(signal));
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(cancelled(signal));
    signal.addEventListener("abort", abort, { once: true });
    shared.then(resolve, reject).finally(() => signal.removeEventListener("abort", abort));
  });
}

/** What an aborted call rejects with. */
function cancelled(signal: AbortSignal): WorkloadApiError {
  return new WorkloadApiError("CANCELLED: Cancelled on client", {
    grpcCode: GrpcCode.CANCELLED,
    cause: signal.reason,
  });
}
