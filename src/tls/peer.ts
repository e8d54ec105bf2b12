import type { DetailedPeerCertificate, PeerCertificate, TLSSocket } from "node:tls";
import { Buffer } from "node:buffer";
import { X509SvidError } from "../errors.ts";
import type { SpiffeId } from "../spiffeid/spiffe_id.ts";
import type { X509BundleSource } from "../bundle/source.ts";
import { verifyX509SvidSync } from "../svid/verify.ts";
import type { Authorizer } from "./authorizer.ts";

const socketPeers = new WeakMap<TLSSocket, SpiffeId>();
const LEAF_LIMIT = 4096;
/** Peer IDs proven by our client-side checks, by the DER of the peer's leaf. */
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
  const key = Buffer.from(chain[0]).toString("base64");
  verifiedLeaves.delete(key);
  if (verifiedLeaves.size >= LEAF_LIMIT) verifiedLeaves.delete(verifiedLeaves.keys().next().value!);
  verifiedLeaves.set(key, id);
  return id;
}

/** Records the verified peer of a socket. */
export function rememberPeer(socket: TLSSocket, id: SpiffeId): void {
  socketPeers.set(socket, id);
}

/**
 * The SPIFFE ID of the peer of a TLS socket that spiffe-ts verified and authorized (a
 * socket from `dialWithMode`/`listenWithMode`, or one made with the option builders).
 *
 * @param socket The connected socket.
 * @returns The peer's verified SPIFFE ID.
 * @throws {X509SvidError} When the socket's peer was not verified by spiffe-ts.
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
  const known = socketPeers.get(socket);
  if (known !== undefined) return known;
  const raw = socket.authorized ? socket.getPeerCertificate()?.raw : undefined;
  const id = raw === undefined
    ? undefined
    : verifiedLeaves.get(Buffer.from(raw).toString("base64"));
  if (id === undefined) {
    throw new X509SvidError("x509svid: the socket's peer was not verified by spiffe-ts");
  }
  socketPeers.set(socket, id);
  return id;
}
