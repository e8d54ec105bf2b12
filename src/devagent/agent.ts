import { setTimeout as startTimer } from "node:timers";
import { SpiffeId } from "../spiffeid/spiffe_id.ts";
import { TrustDomain } from "../spiffeid/trust_domain.ts";
import type { X509Bundle } from "../bundle/x509_bundle.ts";
import type { JwtBundle } from "../bundle/jwt_bundle.ts";
import type { X509SvidResponseMessage } from "../workloadapi/wire_messages.ts";
import { CertificateAuthority } from "./certificate_authority.ts";
import { Endpoints } from "./_endpoints.ts";
import { type AgentState, serveWorkloadApi, type UpdateKind } from "./_handlers.ts";
import type { Identity } from "./_identity.ts";
import type { KeyType } from "./key_type.ts";

/** One endpoint of the devagent and the identity it hands out. */
export interface DevAgentSocket {
  /** A unix socket path to listen on (one of `path` and `tcpPort` is required). */
  path?: string;
  /** A loopback TCP port to listen on instead (0 picks a free one). */
  tcpPort?: number;
  /** The identity callers on this endpoint get; `null` serves none (PermissionDenied). */
  spiffeId: string | SpiffeId | null;
  /**
   * The hint sent with the SVID.
   *
   * @default {""}
   */
  hint?: string;
  /**
   * File mode of the unix socket.
   *
   * @default {0o600}
   */
  mode?: number;
}

/** Options of {@linkcode startDevAgent}. */
export interface DevAgentOptions {
  /**
   * The trust domain of the agent's CA.
   *
   * @default {"example.org"}
   */
  trustDomain?: string | TrustDomain;
  /** The endpoints to serve, each bound to one identity. */
  sockets: DevAgentSocket[];
  /**
   * Lifetime of X509-SVIDs in milliseconds; they are re-issued at half of it.
   *
   * @default {3600000}
   */
  svidTtl?: number;
  /**
   * Lifetime of JWT-SVIDs in milliseconds.
   *
   * @default {300000}
   */
  jwtTtl?: number;
  /**
   * Key algorithm of the CAs and SVIDs.
   *
   * @default {"ec-p256"}
   */
  keyType?: KeyType;
  /**
   * Whether SVIDs are signed by an intermediate CA.
   *
   * @default {false}
   */
  intermediate?: boolean;
  /**
   * Trust domains the agent also runs a CA for and federates with: their bundles are
   * sent as federated bundles, and sockets may serve identities in them.
   *
   * @default {[]}
   */
  federatesWith?: (string | TrustDomain)[];
  /**
   * How long a new CA is published in the bundle before it signs anything, in ms.
   *
   * @default {100}
   */
  authorityPropagation?: number;
}

/** A running devagent. */
export interface DevAgent extends AsyncDisposable {
  /** The agent's own trust domain. */
  readonly trustDomain: TrustDomain;
  /** The Workload API address of each socket, in order: `unix:///...` or `tcp://127.0.0.1:port`. */
  readonly addresses: readonly string[];
  /** The current X.509 bundle of the agent's trust domain. */
  readonly bundle: X509Bundle;
  /** The current JWT bundle of the agent's trust domain. */
  readonly jwtBundle: JwtBundle;
  /** The CA of a trust domain the agent serves (its own by default). */
  authority(trustDomain?: string | TrustDomain): CertificateAuthority;
  /** Re-issues every X509-SVID now and pushes them to the open streams. */
  rotate(): Promise<void>;
  /**
   * Rotates the CA of the agent's trust domain as SPIRE does: the new root is published
   * in the bundle first, `authorityPropagation` ms later it starts signing and every SVID
   * is re-issued under it; the old root stays in the bundle until its SVIDs expire.
   */
  rotateAuthority(): Promise<void>;
  /**
   * Test hook: sends `response` as-is on every open FetchX509SVID stream of socket
   * `index`, without changing the agent's state (to test rejection of bad updates).
   */
  injectX509SvidResponse(index: number, response: X509SvidResponseMessage): void;
  /** Stops every endpoint, ends every stream, removes the socket files. Idempotent. */
  close(): Promise<void>;
}

const DEFAULT_SVID_TTL = 3600_000;
const DEFAULT_JWT_TTL = 300_000;

/**
 * Starts an in-process SPIFFE Workload API for development and tests: a CA for the trust
 * domain (and for each federated one) and a gRPC server on each socket, serving all five
 * RPCs as a SPIRE agent would, each socket bound to one SPIFFE ID. SVIDs rotate before
 * half their lifetime. Not for production: use SPIRE there.
 *
 * @param options Trust domain, sockets, lifetimes, key type, intermediate, federation.
 * @returns The running agent.
 * @throws {TypeError} When an option is invalid.
 *
 * @example Serving two identities
 * ```ts ignore
 * import { startDevAgent } from "@spiffe-ts/spiffe/devagent";
 *
 * await using agent = await startDevAgent({
 *   trustDomain: "example.org",
 *   sockets: [
 *     { path: "/tmp/server.sock", spiffeId: "spiffe://example.org/server" },
 *     { path: "/tmp/client.sock", spiffeId: "spiffe://example.org/client" },
 *   ],
 * });
 * console.log(agent.addresses); // ["unix:///tmp/server.sock", "unix:///tmp/client.sock"]
 * ```
 */
export async function startDevAgent(options: DevAgentOptions): Promise<DevAgent> {
  const trustDomain = toTrustDomain(options.trustDomain ?? "example.org");
  const svidTtl = options.svidTtl ?? DEFAULT_SVID_TTL;
  const jwtTtl = options.jwtTtl ?? DEFAULT_JWT_TTL;
  if (!(svidTtl >= 1000)) throw new RangeError("svidTtl must be at least 1000 ms");
  if (!(jwtTtl >= 1000)) throw new RangeError("jwtTtl must be at least 1000 ms");
  if (!Array.isArray(options.sockets) || options.sockets.length === 0) {
    throw new TypeError("at least one socket is required");
  }
  const domains = [trustDomain, ...(options.federatesWith ?? []).map(toTrustDomain)];
  const cas = new Map<string, CertificateAuthority>();
  for (const td of domains) {
    cas.set(
      td.name,
      await CertificateAuthority.create({
        trustDomain: td,
        keyType: options.keyType,
        intermediate: options.intermediate,
      }),
    );
  }
  const agent = new Agent(trustDomain, cas, svidTtl, jwtTtl, options.authorityPropagation ?? 100);
  try {
    for (const socket of options.sockets) await agent.listen(socket);
  } catch (err) {
    await agent.close();
    throw err;
  }
  return agent;
}

function toTrustDomain(value: string | TrustDomain): TrustDomain {
  return typeof value === "string" ? TrustDomain.parse(value) : value;
}

class Agent implements DevAgent {
  readonly trustDomain: TrustDomain;
  readonly #cas: Map<string, CertificateAuthority>;
  readonly #svidTtl: number;
  readonly #authorityPropagation: number;
  /** What the Workload API handlers of every endpoint see of the agent. */
  readonly #state: AgentState;
  readonly #identities = new Map<string, Identity>();
  readonly #endpoints = new Endpoints();
  readonly #listeners = new Set<(kind: UpdateKind) => void>();
  readonly #timers = new Set<ReturnType<typeof startTimer>>();
  /** Scheduled re-issues in progress; `close()` waits for them. */
  readonly #reissuing = new Set<Promise<void>>();
  #closed = false;

  constructor(
    trustDomain: TrustDomain,
    cas: Map<string, CertificateAuthority>,
    svidTtl: number,
    jwtTtl: number,
    authorityPropagation: number,
  ) {
    this.trustDomain = trustDomain;
    this.#authorityPropagation = authorityPropagation;
    this.#cas = cas;
    this.#svidTtl = svidTtl;
    this.#state = {
      cas,
      jwtTtl,
      authority: (trustDomain) => this.authority(trustDomain),
      subscribe: (listener) => {
        this.#listeners.add(listener);
        return () => {
          this.#listeners.delete(listener);
        };
      },
    };
  }

  get addresses(): readonly string[] {
    return this.#endpoints.addresses;
  }

  get bundle(): X509Bundle {
    return this.authority().x509Bundle();
  }

  get jwtBundle(): JwtBundle {
    return this.authority().jwtBundle();
  }

  authority(trustDomain: string | TrustDomain = this.trustDomain): CertificateAuthority {
    const ca = this.#cas.get(toTrustDomain(trustDomain).name);
    if (ca === undefined) throw new RangeError(`the devagent has no CA for ${trustDomain}`);
    return ca;
  }

  async listen(socket: DevAgentSocket): Promise<void> {
    const identity = socket.spiffeId === null || socket.spiffeId === undefined
      ? undefined
      : await this.#identity(
        typeof socket.spiffeId === "string" ? SpiffeId.parse(socket.spiffeId) : socket.spiffeId,
        socket.hint ?? "",
      );
    await this.#endpoints.open(
      socket,
      identity,
      (server, endpoint) => serveWorkloadApi(server, endpoint, this.#state),
    );
  }

  async #identity(id: SpiffeId, hint: string): Promise<Identity> {
    const key = id.toString();
    const existing = this.#identities.get(key);
    if (existing) return existing;
    const identity: Identity = {
      id,
      hint,
      svid: await this.authority(id.trustDomain).issueX509Svid(id, this.#svidTtl, hint),
    };
    this.#identities.set(key, identity);
    this.#scheduleRotation(identity);
    return identity;
  }

  #scheduleRotation(identity: Identity): void {
    const timer = startTimer(() => {
      this.#timers.delete(timer);
      const reissue = this.#reissue(identity).then(
        () => this.#notify("svid"),
        () => {/* the agent is closing */},
      );
      this.#reissuing.add(reissue);
      reissue.finally(() => this.#reissuing.delete(reissue));
    }, this.#svidTtl / 2);
    timer.unref();
    this.#timers.add(timer);
  }

  async #reissue(identity: Identity): Promise<void> {
    if (this.#closed) return;
    identity.svid = await this.authority(identity.id.trustDomain).issueX509Svid(
      identity.id,
      this.#svidTtl,
      identity.hint,
    );
    if (!this.#closed) this.#scheduleRotation(identity);
  }

  async rotate(): Promise<void> {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    await Promise.all([...this.#identities.values()].map((identity) => this.#reissue(identity)));
    this.#notify("svid");
  }

  async rotateAuthority(): Promise<void> {
    const ca = this.authority();
    await ca.prepare();
    this.#notify("bundle");
    // Let every stream deliver the new root before anything is signed with it.
    await new Promise((resolve) => startTimer(resolve, this.#authorityPropagation).unref());
    await ca.activate();
    await this.rotate();
  }

  injectX509SvidResponse(index: number, response: X509SvidResponseMessage): void {
    const endpoint = this.#endpoints.at(index);
    if (endpoint === undefined) throw new RangeError(`no socket ${index}`);
    for (const call of endpoint.x509Streams) call.write(response);
  }

  #notify(kind: UpdateKind): void {
    for (const listener of [...this.#listeners]) listener(kind);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#listeners.clear();
    // A re-issue that already started finishes (and schedules nothing): no key generation
    // outlives the agent.
    await Promise.all(this.#reissuing);
    await this.#endpoints.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
