import type { TrustDomain } from "../spiffeid/trust_domain.ts";
import type { X509Bundle } from "../bundle/x509_bundle.ts";
import type { X509BundleSet } from "../bundle/x509_bundle_set.ts";
import type { JwtBundle } from "../bundle/jwt_bundle.ts";
import type { JwtBundleSet } from "../bundle/jwt_bundle_set.ts";
import type { JwtBundleSource, X509BundleSource } from "../bundle/source.ts";
import { SourceCore, sourceWatch } from "./_source_core.ts";
import type { SourceOptions } from "./source_options.ts";
import { JWT_BUNDLES, X509_BUNDLES } from "./_streams.ts";

/** One state of a {@linkcode BundleSource}: X.509 and JWT bundles of every trust domain. */
export interface BundleSourceSnapshot {
  /** X.509 bundles, federated ones included. */
  readonly x509: X509BundleSet;
  /** JWT bundles, federated ones included. */
  readonly jwt: JwtBundleSet;
}

type PartialState = { x509?: X509BundleSet; jwt?: JwtBundleSet };

/**
 * A self-updating source of X.509 and JWT bundles for every trust domain the agent
 * knows, federated ones included (go-spiffe's `workloadapi.BundleSource`). For workloads
 * that only verify peers.
 *
 * @example
 * ```ts ignore
 * import { BundleSource, verifyX509Svid } from "@spiffe-ts/spiffe";
 *
 * await using bundles = await BundleSource.create();
 * declare const peerChain: Uint8Array[];
 * const { id } = await verifyX509Svid(peerChain, bundles);
 * ```
 */
export class BundleSource implements X509BundleSource, JwtBundleSource, AsyncDisposable {
  readonly #core: SourceCore<PartialState>;

  private constructor(core: SourceCore<PartialState>) {
    this.#core = core;
  }

  /**
   * Connects to the Workload API and resolves once both kinds of bundles arrived.
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
   * import { BundleSource } from "@spiffe-ts/spiffe";
   *
   * const source = await BundleSource.create({ signal: AbortSignal.timeout(5000) });
   * await source.close();
   * ```
   */
  static async create(options: SourceOptions = {}): Promise<BundleSource> {
    const core = new SourceCore<PartialState>("bundlesource", options);
    let state: PartialState = {};
    const merge = (update: PartialState) => (state = Object.freeze({ ...state, ...update }));
    await core.start(
      [
        sourceWatch(X509_BUNDLES, (x509: X509BundleSet) => merge({ x509 })),
        sourceWatch(JWT_BUNDLES, (jwt: JwtBundleSet) => merge({ jwt })),
      ],
      () => state.x509 !== undefined && state.jwt !== undefined,
      options.signal,
    );
    return new BundleSource(core);
  }

  /**
   * The current bundles.
   *
   * @returns Both sets, as one consistent snapshot.
   * @throws {SourceClosedError} After `close()`.
   *
   * @example
   * ```ts ignore
   * import type { BundleSource } from "@spiffe-ts/spiffe";
   *
   * declare const source: BundleSource;
   * console.log(source.snapshot().x509.size);
   * ```
   */
  snapshot(): BundleSourceSnapshot {
    return this.#core.current() as BundleSourceSnapshot;
  }

  /**
   * The current X.509 bundle of `trustDomain`.
   *
   * @param trustDomain The trust domain.
   * @returns Its bundle.
   * @throws {BundleError} When there is none.
   *
   * @example
   * ```ts ignore
   * import { TrustDomain, type BundleSource } from "@spiffe-ts/spiffe";
   *
   * declare const source: BundleSource;
   * source.getX509BundleForTrustDomain(TrustDomain.parse("example.org"));
   * ```
   */
  getX509BundleForTrustDomain(trustDomain: TrustDomain): X509Bundle {
    return this.snapshot().x509.getX509BundleForTrustDomain(trustDomain);
  }

  /**
   * Every current X.509 bundle, federated ones included (`X509BundleSource.getX509Bundles`).
   *
   * @returns The bundles of the current snapshot.
   * @throws {SourceClosedError} After `close()`.
   *
   * @example
   * ```ts ignore
   * import type { BundleSource } from "@spiffe-ts/spiffe";
   *
   * declare const source: BundleSource;
   * console.log(source.getX509Bundles().length);
   * ```
   */
  getX509Bundles(): X509Bundle[] {
    return this.snapshot().x509.bundles();
  }

  /**
   * The current JWT bundle of `trustDomain`.
   *
   * @param trustDomain The trust domain.
   * @returns Its bundle.
   * @throws {BundleError} When there is none.
   *
   * @example
   * ```ts ignore
   * import { TrustDomain, type BundleSource } from "@spiffe-ts/spiffe";
   *
   * declare const source: BundleSource;
   * source.getJwtBundleForTrustDomain(TrustDomain.parse("example.org"));
   * ```
   */
  getJwtBundleForTrustDomain(trustDomain: TrustDomain): JwtBundle {
    return this.snapshot().jwt.getJwtBundleForTrustDomain(trustDomain);
  }

  /**
   * Calls `listener` with every new state.
   *
   * @param listener Receives each new snapshot.
   * @returns A function that removes the listener.
   *
   * @example
   * ```ts ignore
   * import type { BundleSource } from "@spiffe-ts/spiffe";
   *
   * declare const source: BundleSource;
   * source.onUpdate(({ x509 }) => console.log(x509.size));
   * ```
   */
  onUpdate(listener: (snapshot: BundleSourceSnapshot) => void): () => void {
    return this.#core.subscribe(listener as (state: PartialState) => void);
  }

  /**
   * New states as an async iterator.
   *
   * @param signal Ends the iteration.
   * @returns The iterator; it ends when the source closes.
   *
   * @example
   * ```ts ignore
   * import type { BundleSource } from "@spiffe-ts/spiffe";
   *
   * declare const source: BundleSource;
   * for await (const { jwt } of source.updates()) console.log(jwt.size);
   * ```
   */
  updates(signal?: AbortSignal): AsyncIterableIterator<BundleSourceSnapshot> {
    return this.#core.iterate(signal) as AsyncIterableIterator<BundleSourceSnapshot>;
  }

  /**
   * Stops watching and releases what the source created. Safe to call more than once.
   *
   * @returns Once everything is released.
   *
   * @example
   * ```ts ignore
   * import type { BundleSource } from "@spiffe-ts/spiffe";
   *
   * declare const source: BundleSource;
   * await source.close();
   * ```
   */
  close(): Promise<void> {
    return this.#core.close();
  }

  /**
   * Same as {@linkcode BundleSource.close}, for `await using`.
   *
   * @returns Once everything is released.
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
