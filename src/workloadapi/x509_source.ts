import { WorkloadApiError, X509SvidError } from "../errors.ts";
import type { TrustDomain } from "../spiffeid/trust_domain.ts";
import type { X509Bundle } from "../bundle/x509_bundle.ts";
import type { X509BundleSet } from "../bundle/x509_bundle_set.ts";
import type { X509BundleSource } from "../bundle/source.ts";
import type { X509Svid, X509SvidSource } from "../svid/x509_svid.ts";
import type { X509Context } from "./x509_context.ts";
import { SourceCore, sourceWatch } from "./_source_core.ts";
import type { SourceOptions } from "./source_options.ts";
import { X509_CONTEXT } from "./_streams.ts";

/** One consistent state of an {@linkcode X509Source}: never an SVID with another state's bundles. */
export interface X509SourceSnapshot {
  /** The SVID the picker chose. */
  readonly svid: X509Svid;
  /** The bundles delivered with it. */
  readonly bundles: X509BundleSet;
  /** The whole update it came from. */
  readonly context: X509Context;
}

/** Options of {@linkcode X509Source.create}. */
export interface X509SourceOptions extends SourceOptions {
  /**
   * Chooses the SVID among several; returning `undefined` rejects the update.
   *
   * @default {the SVID with `hint`, or the first}
   */
  picker?: (svids: readonly X509Svid[]) => X509Svid | undefined;
  /**
   * Picks the SVID with this hint (ignored when `picker` is given).
   *
   * @default {none: the first SVID}
   */
  hint?: string;
}

/**
 * A self-updating X509-SVID and X.509 bundle source backed by the Workload API
 * (go-spiffe's `workloadapi.X509Source`). It watches the agent and always holds the
 * newest valid state; SVID and bundles change together, atomically. When the agent
 * goes away it keeps the last good state and reconnects. It serves both as an
 * {@linkcode X509SvidSource} and as an {@linkcode X509BundleSource}, so it plugs into the
 * TLS option builders and {@linkcode verifyX509Svid}.
 *
 * @example Getting the workload's SVID
 * ```ts ignore
 * import { X509Source } from "@spiffe-ts/spiffe";
 *
 * await using source = await X509Source.create({
 *   address: "unix:///tmp/agent.sock",
 *   signal: AbortSignal.timeout(10_000),
 * });
 * console.log(source.getX509Svid().id.toString());
 * source.onUpdate(({ svid }) => console.log(`rotated: expires ${svid.expiresAt}`));
 * ```
 */
export class X509Source implements X509SvidSource, X509BundleSource, AsyncDisposable {
  readonly #core: SourceCore<X509SourceSnapshot>;

  private constructor(core: SourceCore<X509SourceSnapshot>) {
    this.#core = core;
  }

  /**
   * Connects to the Workload API and resolves once the first valid update arrived.
   * While it waits it warns through the logger (stderr by default) after 5 s and then
   * every minute, naming the address, where it came from, and the last error; it keeps
   * retrying, as go-spiffe does, until `signal` aborts.
   *
   * @param options Address or client, `signal` bounding the wait, picker or hint, logger,
   * backoff, `waitWarning`.
   * @returns The ready source.
   * @throws {WorkloadApiError} When `signal` aborts first (the message and `cause` carry
   * the last watch error) or the agent refuses the request for good.
   * @throws {EndpointAddressError} When no address is configured, it is invalid, or its
   * unix path is not a socket.
   *
   * @example
   * ```ts ignore
   * import { X509Source } from "@spiffe-ts/spiffe";
   *
   * const source = await X509Source.create({ hint: "internal" });
   * await source.close();
   * ```
   */
  static async create(options: X509SourceOptions = {}): Promise<X509Source> {
    const pick = options.picker ??
      (options.hint === undefined
        ? (svids: readonly X509Svid[]) => svids[0]
        : (svids: readonly X509Svid[]) => svids.find((svid) => svid.hint === options.hint));
    const core = new SourceCore<X509SourceSnapshot>("x509source", options);
    await core.start(
      [sourceWatch(X509_CONTEXT, (context): X509SourceSnapshot => {
        const svid = pick(context.svids);
        if (svid === undefined) {
          throw new WorkloadApiError("x509source: the picker chose no SVID from the update");
        }
        return Object.freeze({ svid, bundles: context.bundles, context });
      })],
      () => core.hasState(),
      options.signal,
    );
    return new X509Source(core);
  }

  /**
   * The current consistent state (SVID, bundles and the update they came from).
   *
   * @returns The snapshot.
   * @throws {SourceClosedError} After `close()`.
   *
   * @example
   * ```ts ignore
   * import type { X509Source } from "@spiffe-ts/spiffe";
   *
   * declare const source: X509Source;
   * const { svid, bundles } = source.snapshot();
   * ```
   */
  snapshot(): X509SourceSnapshot {
    return this.#core.current();
  }

  /**
   * The current X509-SVID.
   *
   * @returns The SVID.
   * @throws {X509SvidError} When it has expired and no newer one has arrived (the agent
   * is unreachable); the message names the last watch error.
   * @throws {SourceClosedError} After `close()`.
   *
   * @example
   * ```ts ignore
   * import type { X509Source } from "@spiffe-ts/spiffe";
   *
   * declare const source: X509Source;
   * console.log(source.getX509Svid().id.toString());
   * ```
   */
  getX509Svid(): X509Svid {
    const { svid } = this.#core.current();
    if (svid.expiresAt.getTime() <= Date.now()) {
      const last = this.#core.lastError;
      throw new X509SvidError(
        `x509source: X509-SVID "${svid.id}" expired at ${svid.expiresAt.toISOString()} and no newer one has arrived${
          last ? `: ${last.message}` : ""
        }`,
        { cause: last },
      );
    }
    return svid;
  }

  /**
   * The current X.509 bundle of `trustDomain`.
   *
   * @param trustDomain The trust domain.
   * @returns Its bundle.
   * @throws {BundleError} When the agent delivered no bundle for it.
   * @throws {SourceClosedError} After `close()`.
   *
   * @example
   * ```ts ignore
   * import { TrustDomain, type X509Source } from "@spiffe-ts/spiffe";
   *
   * declare const source: X509Source;
   * source.getX509BundleForTrustDomain(TrustDomain.parse("example.org"));
   * ```
   */
  getX509BundleForTrustDomain(trustDomain: TrustDomain): X509Bundle {
    return this.#core.current().bundles.getX509BundleForTrustDomain(trustDomain);
  }

  /**
   * Every current X.509 bundle, federated ones included (`X509BundleSource.getX509Bundles`).
   *
   * @returns The bundles of the current snapshot.
   * @throws {SourceClosedError} After `close()`.
   *
   * @example
   * ```ts ignore
   * import type { X509Source } from "@spiffe-ts/spiffe";
   *
   * declare const source: X509Source;
   * console.log(source.getX509Bundles().map((bundle) => bundle.trustDomain.name));
   * ```
   */
  getX509Bundles(): X509Bundle[] {
    return this.#core.current().bundles.bundles();
  }

  /**
   * Calls `listener` with every new state (not with the current one).
   *
   * @param listener Receives each new snapshot; a throw is logged, not propagated.
   * @returns A function that removes the listener.
   *
   * @example
   * ```ts ignore
   * import type { X509Source } from "@spiffe-ts/spiffe";
   *
   * declare const source: X509Source;
   * const stop = source.onUpdate(({ svid }) => console.log(svid.expiresAt));
   * stop();
   * ```
   */
  onUpdate(listener: (snapshot: X509SourceSnapshot) => void): () => void {
    return this.#core.subscribe(listener);
  }

  /**
   * New states as an async iterator (the newest, if the consumer falls behind).
   *
   * @param signal Ends the iteration.
   * @returns The iterator; it ends when the source closes.
   *
   * @example
   * ```ts ignore
   * import type { X509Source } from "@spiffe-ts/spiffe";
   *
   * declare const source: X509Source;
   * for await (const { svid } of source.updates()) console.log(svid.expiresAt);
   * ```
   */
  updates(signal?: AbortSignal): AsyncIterableIterator<X509SourceSnapshot> {
    return this.#core.iterate(signal);
  }

  /**
   * Stops watching, waits for the watch to end, and closes the client if the source made
   * it. Safe to call more than once.
   *
   * @returns Once everything is released.
   *
   * @example
   * ```ts ignore
   * import type { X509Source } from "@spiffe-ts/spiffe";
   *
   * declare const source: X509Source;
   * await source.close();
   * ```
   */
  close(): Promise<void> {
    return this.#core.close();
  }

  /**
   * Same as {@linkcode X509Source.close}, for `await using`.
   *
   * @returns Once everything is released.
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
