import type { DetailedPeerCertificate, PeerCertificate, TLSSocket } from "node:tls";
import { rememberBounded } from "../_bounded_cache.ts";
import { derKey } from "../svid/_certificate.ts";
import { X509SvidError } from "../errors.ts";
import type { SpiffeId } from "../spiffeid/spiffe_id.ts";
import type { X509BundleSource } from "../bundle/source.ts";
import { verifyX509SvidSync } from "../svid/verify.ts";
import type { Authorizer } from "./authorizer.ts";

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
export function peerChain(cert: PeerCertificate | DetailedPeerCertificate): Uint8Array[] {
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
 * Verifies a peer's chain as SPIFFE requires (against the bundle of its own trust
 * domain) and runs the authorizer. Throws X509SvidError or the authorizer's error.
 */
export function verifyPeer(
  cert: PeerCertificate | DetailedPeerCertificate | undefined,
  bundleSource: X509BundleSource,
  authorizer: Authorizer,
): SpiffeId {
  const chain = cert === undefined ? [] : peerChain(cert);
  if (chain.length === 0) throw new X509SvidError("x509svid: peer presented no certificate");
  const { id, verifiedChains } = verifyX509SvidSync(chain, bundleSource);
  authorizer(id, verifiedChains);
  rememberBounded(verifiedLeaves, LEAF_LIMIT, derKey(chain[0]), id);
  return id;
}

/**
 * Verifies and authorizes the peer of a server-side socket, and records its ID. The
 * leaf alone is tried first (a known leaf's chains are cached); its intermediates are
 * fetched from the socket, which is costly in node:tls, only when that is not enough.
 */
export function verifySocketPeer(
  socket: TLSSocket,
  bundleSource: X509BundleSource,
  authorizer: Authorizer,
): SpiffeId {
  let id: SpiffeId | undefined;
  const leaf = socket.getPeerX509Certificate?.();
  if (leaf !== undefined) {
    try {
      const verified = verifyX509SvidSync([leaf], bundleSource);
      authorizer(verified.id, verified.verifiedChains);
      id = verified.id;
    } catch (err) {
      if (!(err instanceof X509SvidError)) throw err; // the authorizer's refusal stands
    }
  }
  id ??= verifyPeer(socket.getPeerCertificate(true), bundleSource, authorizer);
  rememberPeer(socket, id);
  return id;
}

/** Records the verified peer of a socket. */
export function rememberPeer(socket: TLSSocket, id: SpiffeId): void {
  (socket as Remembered)[PEER_ID] = id;
}

/**
 * The SPIFFE ID of the peer of a TLS socket whose peer spiffe-ts verified and authorized:
 * a socket from `dialWithMode`, one a server reached through `listenWithMode` or
 * `bindSpiffeServer` (http2 streams' sockets included), or an `https`/`tls` client socket
 * made with the client option builders (identified by its verified leaf certificate,
 * whose key the peer proved in the handshake).
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
  const raw = socket.authorized ? socket.getPeerCertificate()?.raw : undefined;
  const id = raw === undefined ? undefined : verifiedLeaves.get(derKey(raw));
  if (id === undefined) {
    throw new X509SvidError("x509svid: the socket's peer was not verified by spiffe-ts");
  }
  rememberPeer(socket, id);
  return id;
}
