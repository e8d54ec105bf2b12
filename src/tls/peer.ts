import type { DetailedPeerCertificate, PeerCertificate, TLSSocket } from "node:tls";
import { rememberBounded } from "../_internal/bounded_cache.ts";
import { derKey } from "../_internal/certificate.ts";
import { X509SvidError } from "../errors.ts";
import type { SpiffeId } from "../spiffeid/spiffe_id.ts";
import type { X509BundleSource } from "../bundle/source.ts";
import { verifyX509SvidSync } from "../svid/verify.ts";
import { type Authorizer, requireAuthorizer } from "./authorizer.ts";

/** Where a socket's verified peer ID is kept: a property, so socket proxies (http2) see it. */
const PEER_ID = Symbol("spiffe-ts.peerId");
type Remembered = TLSSocket & { [PEER_ID]?: SpiffeId };

const LEAF_LIMIT = 4096;
/**
 * Peer IDs proven by the client option builders' checks, by the DER of the peer's leaf:
 * Node runs those checks with no handle on the socket.
 */
const verifiedLeaves = new Map<string, SpiffeId>();

/** The DER chain node:tls received, leaf first (the anchor from `ca` included last). */
export function peerChain(
  cert: PeerCertificate | DetailedPeerCertificate | undefined,
): Uint8Array[] {
  const chain: Uint8Array[] = [];
  const seen = new Set<unknown>();
  let current: DetailedPeerCertificate | undefined = cert as DetailedPeerCertificate;
  while (current?.raw !== undefined && !seen.has(current)) {
    seen.add(current);
    chain.push(new Uint8Array(current.raw));
    if (current.issuerCertificate === current) break;
    current = current.issuerCertificate;
  }
  return chain;
}

/**
 * The peer's certificates as the socket holds them, leaf first: the leaf alone, or the
 * whole chain. This is the one place spiffe-ts reads a socket's peer certificates, and it
 * reads them only through `getPeerCertificate`: in Node 20, calling
 * `getPeerX509Certificate()` first empties the chain a later `getPeerCertificate(true)`
 * returns (so a client SVID issued by an intermediate was refused), and the abbreviated
 * form does not. Empty when the socket has no peer certificate (Node's client side of a
 * resumed session has none).
 */
export function readPeerChain(socket: TLSSocket, which: "leaf" | "chain"): Uint8Array[] {
  if (which === "chain") return peerChain(socket.getPeerCertificate(true));
  const raw = socket.getPeerCertificate(false)?.raw;
  return raw === undefined ? [] : [new Uint8Array(raw)];
}

/** A verified peer: its ID and the chain it presented. */
export interface VerifiedPeer {
  id: SpiffeId;
  chain: Uint8Array[];
}

/**
 * Verifies a peer's chain as SPIFFE requires (against the bundle of its own trust
 * domain) and runs the authorizer. Throws X509SvidError or the authorizer's error.
 */
export function verifyPeerChain(
  chain: Uint8Array[],
  bundleSource: X509BundleSource,
  authorizer: Authorizer,
): VerifiedPeer {
  if (chain.length === 0) throw new X509SvidError("x509svid: peer presented no certificate");
  const { id, verifiedChains } = verifyX509SvidSync(chain, bundleSource);
  authorizer(id, verifiedChains);
  rememberBounded(verifiedLeaves, LEAF_LIMIT, derKey(chain[0]), id);
  return { id, chain };
}

/**
 * Verifies and authorizes the peer of a server-side socket, and records its ID. The
 * leaf alone is tried first (a known leaf's chains are cached, and Node's server side of
 * a resumed session holds only the leaf); the whole chain, which is costly to read in
 * node:tls, only when that is not enough.
 */
export function verifySocketPeer(
  socket: TLSSocket,
  bundleSource: X509BundleSource,
  authorizer: Authorizer,
): SpiffeId {
  let id: SpiffeId | undefined;
  const leaf = readPeerChain(socket, "leaf");
  if (leaf.length > 0) {
    try {
      const verified = verifyX509SvidSync(leaf, bundleSource);
      authorizer(verified.id, verified.verifiedChains);
      id = verified.id;
    } catch (err) {
      if (!(err instanceof X509SvidError)) throw err; // the authorizer's refusal stands
    }
  }
  id ??= verifyPeerChain(readPeerChain(socket, "chain"), bundleSource, authorizer).id;
  rememberPeer(socket, id);
  return id;
}

/**
 * Verifies a TLS peer as SPIFFE requires, the one peer check every spiffe-ts path uses
 * (go-spiffe's `tlsconfig.VerifyPeerCertificate`): the peer's X509-SVID chain must anchor in
 * the bundle of its own trust domain (a CA of another trust domain cannot vouch for it,
 * even with both bundles in the source), then `authorizer` decides on its ID. Give it a
 * connected `TLSSocket` (either side; the ID is then recorded for
 * {@linkcode peerIdFromSocket}) or the DER chain the peer presented, leaf first (e.g. from a
 * gRPC auth context). Call it before reading or writing application data.
 *
 * @param peer A connected TLS socket, or the peer's DER certificates, leaf first.
 * @param bundleSource The bundles to trust (any `X509BundleSource`).
 * @param authorizer Decides on the peer's SPIFFE ID.
 * @returns The peer's verified SPIFFE ID.
 * @throws {X509SvidError} When the peer presented no certificate or its chain is not a
 * valid X509-SVID of a trusted trust domain.
 * @throws {AuthorizationError} When the authorizer refuses the ID (`unexpected ID "..."`),
 * or whatever a custom authorizer throws.
 * @throws {TypeError} Without an authorizer.
 *
 * @example Checking the client on a plain node:tls server
 * ```ts ignore
 * import { authorizeId, serverContextOptions, mtlsServerConfig, verifyPeer, X509Source } from "@spiffe-ts/spiffe";
 * import tls from "node:tls";
 *
 * const source = await X509Source.create();
 * const authorizer = authorizeId("spiffe://example.org/client");
 * const config = mtlsServerConfig(source, source, authorizer);
 * tls.createServer(serverContextOptions(config), (socket) => {
 *   try {
 *     console.log(`hello ${verifyPeer(socket, source, authorizer)}`);
 *   } catch {
 *     socket.destroy();
 *   }
 * });
 * ```
 */
export function verifyPeer(
  peer: TLSSocket | readonly Uint8Array[],
  bundleSource: X509BundleSource,
  authorizer: Authorizer,
): SpiffeId {
  requireAuthorizer(authorizer);
  if (Array.isArray(peer)) return verifyPeerChain([...peer], bundleSource, authorizer).id;
  return verifySocketPeer(peer as TLSSocket, bundleSource, authorizer);
}

/** Records the verified peer of a socket. */
export function rememberPeer(socket: TLSSocket, id: SpiffeId): void {
  (socket as Remembered)[PEER_ID] = id;
}

/**
 * The SPIFFE ID of the peer of a TLS socket whose peer spiffe-ts verified and authorized:
 * a socket from `dialWithMode` or `spiffeConnect`, one a server reached through
 * `listenWithMode` or `spiffeServer` (http2 streams' sockets included), one given to
 * `verifyPeer`, or an `https`/`tls` client socket made with `clientConnectionOptions` or
 * the client option builders (identified by its verified leaf certificate, whose key the
 * peer proved in the handshake).
 *
 * @param socket The connected socket.
 * @returns The peer's verified SPIFFE ID.
 * @throws {X509SvidError} When spiffe-ts did not verify the socket's peer.
 *
 * @example
 * ```ts ignore
 * import { peerIdFromSocket } from "@spiffe-ts/spiffe";
 * import type { TLSSocket } from "node:tls";
 *
 * declare const socket: TLSSocket;
 * console.log(`peer: ${peerIdFromSocket(socket)}`);
 * ```
 */
export function peerIdFromSocket(socket: TLSSocket): SpiffeId {
  const remembered = (socket as Remembered)[PEER_ID];
  if (remembered !== undefined) return remembered;
  const [leaf] = socket.authorized ? readPeerChain(socket, "leaf") : [];
  const id = leaf === undefined ? undefined : verifiedLeaves.get(derKey(leaf));
  if (id === undefined) {
    throw new X509SvidError("x509svid: the socket's peer was not verified by spiffe-ts");
  }
  rememberPeer(socket, id);
  return id;
}
