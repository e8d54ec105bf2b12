import * as grpc from "@grpc/grpc-js";
import { chmod, lstat, unlink } from "node:fs/promises";
import { connect } from "node:net";
import { Buffer } from "node:buffer";
import { setTimeout as startTimer } from "node:timers";
import { errorMessage } from "../errors.ts";
import { SpiffeId } from "../spiffeid/spiffe_id.ts";
import { TrustDomain } from "../spiffeid/trust_domain.ts";
import type { X509Bundle } from "../bundle/x509_bundle.ts";
import type { JwtBundle } from "../bundle/jwt_bundle.ts";
import { JwtBundleSet } from "../bundle/jwt_bundle_set.ts";
import { JwtSvid } from "../svid/jwt_svid.ts";
import {
  SECURITY_HEADER_KEY,
  SECURITY_HEADER_VALUE,
  SPIFFE_WORKLOAD_API,
} from "../_proto/methods.ts";
import { objectToStruct } from "../_proto/struct.ts";
import type { X509SvidResponseMessage } from "../workloadapi/wire_messages.ts";
import { CertificateAuthority } from "./certificate_authority.ts";
import { Connections } from "./_connections.ts";
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

function statusError(code: grpc.status, details: string): grpc.ServiceError {
  return Object.assign(new Error(details), { code, details, metadata: new grpc.Metadata() });
}

function hasSecurityHeader(metadata: grpc.Metadata): boolean {
  const values = metadata.get(SECURITY_HEADER_KEY);
  return values.length === 1 && values[0] === SECURITY_HEADER_VALUE;
}

const missingHeader = () =>
  statusError(grpc.status.INVALID_ARGUMENT, "security header missing from request");
const noIdentity = () => statusError(grpc.status.PERMISSION_DENIED, "no identity issued");

/**
 * Ends a server stream with a status. grpc-js sends the status of an error *emitted* on the
 * call; `call.destroy(err)` would tear the stream down without any status, and the client
 * would wait forever.
 */
function refuse(call: grpc.ServerWritableStream<unknown, unknown>, err: grpc.ServiceError): void {
  call.emit("error", err);
}

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

interface Endpoint {
  server: grpc.Server;
  /** Accepts the connections and hands them to `server` (see {@linkcode Connections}). */
  connections: Connections;
  address: string;
  path: string | undefined;
  identity: Identity | undefined;
  x509Streams: Set<grpc.ServerWritableStream<unknown, unknown>>;
}

class Agent implements DevAgent {
  readonly trustDomain: TrustDomain;
  readonly #cas: Map<string, CertificateAuthority>;
  readonly #svidTtl: number;
  readonly #jwtTtl: number;
  readonly #authorityPropagation: number;
  readonly #identities = new Map<string, Identity>();
  readonly #endpoints: Endpoint[] = [];
  readonly #listeners = new Set<(kind: "svid" | "bundle") => void>();
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
    this.#jwtTtl = jwtTtl;
  }

  get addresses(): readonly string[] {
    return this.#endpoints.map((endpoint) => endpoint.address);
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
    const server = new grpc.Server();
    const connections = new Connections(server);
    const endpoint: Endpoint = {
      server,
      connections,
      address: "",
      path: socket.path,
      identity,
      x509Streams: new Set(),
    };
    server.addService(SPIFFE_WORKLOAD_API, this.#handlers(endpoint));
    if (socket.path !== undefined) {
      if (!socket.path.startsWith("/")) throw new TypeError("socket paths must be absolute");
      await removeStaleSocket(socket.path);
      await connections.listen({ path: socket.path });
      // From here on, close() owns the endpoint (and removes the socket file).
      this.#endpoints.push(endpoint);
      await chmod(socket.path, socket.mode ?? 0o600);
      endpoint.address = `unix://${socket.path}`;
      return;
    } else if (socket.tcpPort !== undefined) {
      const port = await connections.listen({ host: "127.0.0.1", port: socket.tcpPort });
      endpoint.address = `tcp://127.0.0.1:${port}`;
    } else {
      throw new TypeError("a socket needs a path or a tcpPort");
    }
    this.#endpoints.push(endpoint);
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
    const endpoint = this.#endpoints[index];
    if (endpoint === undefined) throw new RangeError(`no socket ${index}`);
    for (const call of endpoint.x509Streams) call.write(response);
  }

  #notify(kind: "svid" | "bundle"): void {
    for (const listener of [...this.#listeners]) listener(kind);
  }

  #x509Response(identity: Identity): X509SvidResponseMessage {
    const own = identity.id.trustDomain;
    const { certificates, privateKey } = identity.svid.marshalRaw();
    const federatedBundles: Record<string, Uint8Array> = {};
    for (const ca of this.#cas.values()) {
      if (!ca.trustDomain.equals(own)) {
        federatedBundles[ca.trustDomain.idString()] = bundleDer(ca.x509Bundle());
      }
    }
    return {
      svids: [{
        spiffeId: identity.id.toString(),
        x509Svid: certificates,
        x509SvidKey: privateKey,
        bundle: bundleDer(this.authority(own).x509Bundle()),
        hint: identity.hint,
      }],
      federatedBundles,
    };
  }

  #bundles(encode: (ca: CertificateAuthority) => Uint8Array): Record<string, Uint8Array> {
    const bundles: Record<string, Uint8Array> = {};
    for (const ca of this.#cas.values()) bundles[ca.trustDomain.idString()] = encode(ca);
    return bundles;
  }

  #handlers(endpoint: Endpoint): grpc.UntypedServiceImplementation {
    const streamUpdates = (
      call: grpc.ServerWritableStream<unknown, unknown>,
      build: () => unknown,
      on: "svid" | "bundle" | "any",
      onEnd: () => void = () => {},
    ) => {
      let last = "";
      const send = () => {
        const message = build();
        const encoded = JSON.stringify(
          message,
          (_key, value) =>
            value instanceof Uint8Array ? Buffer.from(value).toString("base64") : value,
        );
        if (encoded === last) return; // SPIRE suppresses identical messages too
        last = encoded;
        call.write(message);
      };
      const listener = (kind: "svid" | "bundle") => {
        if (on === "any" || on === kind) send();
      };
      this.#listeners.add(listener);
      const stop = () => {
        this.#listeners.delete(listener);
        onEnd();
      };
      call.on("cancelled", stop);
      call.on("close", stop);
      call.on("error", stop);
      send();
    };
    return {
      FetchX509SVID: (call: grpc.ServerWritableStream<unknown, unknown>) => {
        if (!hasSecurityHeader(call.metadata)) return refuse(call, missingHeader());
        const identity = endpoint.identity;
        if (identity === undefined) return refuse(call, noIdentity());
        endpoint.x509Streams.add(call);
        streamUpdates(
          call,
          () => this.#x509Response(identity),
          "any",
          () => endpoint.x509Streams.delete(call),
        );
      },
      FetchX509Bundles: (call: grpc.ServerWritableStream<unknown, unknown>) => {
        if (!hasSecurityHeader(call.metadata)) return refuse(call, missingHeader());
        if (endpoint.identity === undefined) return refuse(call, noIdentity());
        streamUpdates(
          call,
          () => ({ bundles: this.#bundles((ca) => bundleDer(ca.x509Bundle())) }),
          "bundle",
        );
      },
      FetchJWTBundles: (call: grpc.ServerWritableStream<unknown, unknown>) => {
        if (!hasSecurityHeader(call.metadata)) return refuse(call, missingHeader());
        if (endpoint.identity === undefined) return refuse(call, noIdentity());
        streamUpdates(
          call,
          () => ({
            bundles: this.#bundles((ca) => new TextEncoder().encode(ca.jwtBundle().marshal())),
          }),
          "bundle",
        );
      },
      FetchJWTSVID: (
        call: grpc.ServerUnaryCall<{ audience?: string[]; spiffeId?: string }, unknown>,
        callback: grpc.sendUnaryData<unknown>,
      ) => {
        if (!hasSecurityHeader(call.metadata)) return callback(missingHeader());
        const identity = endpoint.identity;
        if (identity === undefined) return callback(noIdentity());
        const audience = call.request.audience ?? [];
        if (audience.length === 0) {
          return callback(statusError(grpc.status.INVALID_ARGUMENT, "audience must be specified"));
        }
        if (call.request.spiffeId) {
          let requested: SpiffeId;
          try {
            requested = SpiffeId.parse(call.request.spiffeId);
          } catch (err) {
            return callback(
              statusError(
                grpc.status.INVALID_ARGUMENT,
                `invalid requested SPIFFE ID: ${errorMessage(err)}`,
              ),
            );
          }
          if (!requested.equals(identity.id)) return callback(noIdentity());
        }
        const token = this.authority(identity.id.trustDomain).signJwtSvid(
          identity.id,
          audience,
          this.#jwtTtl,
        );
        callback(null, {
          svids: [{ spiffeId: identity.id.toString(), svid: token, hint: identity.hint }],
        });
      },
      ValidateJWTSVID: (
        call: grpc.ServerUnaryCall<{ audience?: string; svid?: string }, unknown>,
        callback: grpc.sendUnaryData<unknown>,
      ) => {
        if (!hasSecurityHeader(call.metadata)) return callback(missingHeader());
        const { audience, svid } = call.request;
        if (!audience) {
          return callback(statusError(grpc.status.INVALID_ARGUMENT, "audience must be specified"));
        }
        if (!svid) {
          return callback(statusError(grpc.status.INVALID_ARGUMENT, "svid must be specified"));
        }
        const bundles = new JwtBundleSet(...[...this.#cas.values()].map((ca) => ca.jwtBundle()));
        try {
          const validated = JwtSvid.parseAndValidate(svid, bundles, audience);
          callback(null, {
            spiffeId: validated.id.toString(),
            claims: objectToStruct(validated.claims),
          });
        } catch (err) {
          callback(statusError(grpc.status.INVALID_ARGUMENT, errorMessage(err)));
        }
      },
    };
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
    for (const endpoint of this.#endpoints) {
      await endpoint.connections.close();
      endpoint.server.forceShutdown();
      if (endpoint.path !== undefined) await unlink(endpoint.path).catch(() => {});
    }
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

function bundleDer(bundle: X509Bundle): Uint8Array {
  return new Uint8Array(Buffer.concat(bundle.x509Authorities().map((cert) => cert.raw)));
}

/**
 * Removes a socket file left by a previous run: never any other kind of file, and never
 * a socket some process still listens on (that is an error, as for a busy TCP port).
 */
async function removeStaleSocket(path: string): Promise<void> {
  const stat = await lstat(path).catch(() => undefined);
  if (!stat?.isSocket()) return;
  const live = await new Promise<boolean>((resolve) => {
    const probe = connect(path);
    probe.once("connect", () => {
      probe.destroy();
      resolve(true);
    });
    probe.once("error", () => resolve(false));
  });
  if (live) throw new Error(`${path} is in use by another process`);
  await unlink(path);
}
