// The devagent's five Workload API RPCs, as SPIRE's agent answers them: the
// `workload.spiffe.io: true` header enforced, PermissionDenied for an endpoint without an
// identity, and streams that push each change once (identical messages suppressed).
import * as grpc from "@grpc/grpc-js";
import { Buffer } from "node:buffer";
import { errorMessage } from "../errors.ts";
import { SpiffeId } from "../spiffeid/spiffe_id.ts";
import type { TrustDomain } from "../spiffeid/trust_domain.ts";
import type { X509Bundle } from "../bundle/x509_bundle.ts";
import { JwtBundleSet } from "../bundle/jwt_bundle_set.ts";
import { JwtSvid } from "../svid/jwt_svid.ts";
import {
  SECURITY_HEADER_KEY,
  SECURITY_HEADER_VALUE,
  SPIFFE_WORKLOAD_API,
} from "../_proto/methods.ts";
import { objectToStruct } from "../_proto/struct.ts";
import type { X509SvidResponseMessage } from "../workloadapi/wire_messages.ts";
import type { CertificateAuthority } from "./certificate_authority.ts";
import type { Identity } from "./_identity.ts";

/** What changed: an SVID was re-issued, or a bundle changed. */
export type UpdateKind = "svid" | "bundle";

/** What the handlers need of the agent. */
export interface AgentState {
  /** Every CA the agent runs, by trust domain name: its own and the federated ones. */
  readonly cas: ReadonlyMap<string, CertificateAuthority>;
  /** Lifetime of the JWT-SVIDs it signs, in milliseconds. */
  readonly jwtTtl: number;
  /** The CA of a trust domain; throws a `RangeError` for one the agent does not serve. */
  authority(trustDomain: TrustDomain): CertificateAuthority;
  /** Calls `listener` on every update until the returned function is called. */
  subscribe(listener: (kind: UpdateKind) => void): () => void;
}

/** What the handlers of one endpoint read and keep. */
export interface EndpointState {
  /** The identity callers on the endpoint get; `undefined` serves none. */
  readonly identity: Identity | undefined;
  /** The open FetchX509SVID streams (for the agent's `injectX509SvidResponse`). */
  readonly x509Streams: Set<grpc.ServerWritableStream<unknown, unknown>>;
}

/**
 * Registers the Workload API of one endpoint on its gRPC server.
 *
 * @param server The endpoint's server.
 * @param endpoint The endpoint's identity and streams.
 * @param agent The agent's CAs and updates.
 */
export function serveWorkloadApi(
  server: grpc.Server,
  endpoint: EndpointState,
  agent: AgentState,
): void {
  server.addService(SPIFFE_WORKLOAD_API, handlers(endpoint, agent));
}

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
 * Writes `build()` on the stream now and after every update of kind `on`, unless it is the
 * message last written; stops when the call ends.
 */
function streamUpdates(
  agent: AgentState,
  call: grpc.ServerWritableStream<unknown, unknown>,
  build: () => unknown,
  on: UpdateKind | "any",
  onEnd: () => void = () => {},
): void {
  let last = "";
  const send = () => {
    const message = build();
    const encoded = JSON.stringify(
      message,
      (_key, value) => value instanceof Uint8Array ? Buffer.from(value).toString("base64") : value,
    );
    if (encoded === last) return; // SPIRE suppresses identical messages too
    last = encoded;
    call.write(message);
  };
  const unsubscribe = agent.subscribe((kind) => {
    if (on === "any" || on === kind) send();
  });
  const stop = () => {
    unsubscribe();
    onEnd();
  };
  call.on("cancelled", stop);
  call.on("close", stop);
  call.on("error", stop);
  send();
}

function x509Response(agent: AgentState, identity: Identity): X509SvidResponseMessage {
  const own = identity.id.trustDomain;
  const { certificates, privateKey } = identity.svid.marshalRaw();
  const federatedBundles: Record<string, Uint8Array> = {};
  for (const ca of agent.cas.values()) {
    if (!ca.trustDomain.equals(own)) {
      federatedBundles[ca.trustDomain.idString()] = bundleDer(ca.x509Bundle());
    }
  }
  return {
    svids: [{
      spiffeId: identity.id.toString(),
      x509Svid: certificates,
      x509SvidKey: privateKey,
      bundle: bundleDer(agent.authority(own).x509Bundle()),
      hint: identity.hint,
    }],
    federatedBundles,
  };
}

function bundleMap(
  agent: AgentState,
  encode: (ca: CertificateAuthority) => Uint8Array,
): Record<string, Uint8Array> {
  const bundles: Record<string, Uint8Array> = {};
  for (const ca of agent.cas.values()) bundles[ca.trustDomain.idString()] = encode(ca);
  return bundles;
}

function bundleDer(bundle: X509Bundle): Uint8Array {
  return new Uint8Array(Buffer.concat(bundle.x509Authorities().map((cert) => cert.raw)));
}

function handlers(endpoint: EndpointState, agent: AgentState): grpc.UntypedServiceImplementation {
  /** FetchX509Bundles and FetchJWTBundles: every trust domain's bundle, on each bundle change. */
  const streamBundles = (
    call: grpc.ServerWritableStream<unknown, unknown>,
    encode: (ca: CertificateAuthority) => Uint8Array,
  ) => {
    if (!hasSecurityHeader(call.metadata)) return refuse(call, missingHeader());
    if (endpoint.identity === undefined) return refuse(call, noIdentity());
    streamUpdates(agent, call, () => ({ bundles: bundleMap(agent, encode) }), "bundle");
  };
  return {
    FetchX509SVID: (call: grpc.ServerWritableStream<unknown, unknown>) => {
      if (!hasSecurityHeader(call.metadata)) return refuse(call, missingHeader());
      const identity = endpoint.identity;
      if (identity === undefined) return refuse(call, noIdentity());
      endpoint.x509Streams.add(call);
      streamUpdates(
        agent,
        call,
        () => x509Response(agent, identity),
        "any",
        () => endpoint.x509Streams.delete(call),
      );
    },
    FetchX509Bundles: (call: grpc.ServerWritableStream<unknown, unknown>) =>
      streamBundles(call, (ca) => bundleDer(ca.x509Bundle())),
    FetchJWTBundles: (call: grpc.ServerWritableStream<unknown, unknown>) =>
      streamBundles(call, (ca) => new TextEncoder().encode(ca.jwtBundle().marshal())),
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
      const token = agent.authority(identity.id.trustDomain).signJwtSvid(
        identity.id,
        audience,
        agent.jwtTtl,
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
      const bundles = new JwtBundleSet(...[...agent.cas.values()].map((ca) => ca.jwtBundle()));
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
