// The bundles a TLS context gets as its `ca` list, and how a peer is checked when a source
// cannot list them.
//
// The `ca` decision. Our own check (verifyPeer: the chain must anchor in the bundle of the
// peer's own trust domain, then the authorizer) runs on every path, so `ca` is never what
// makes a peer trusted. It is given anyway when the source can list its bundles
// (`X509BundleSource.getX509Bundles`, which our bundles, sets and sources implement),
// because of what node:tls does with it (probed on Node 20 and Deno 2.9.6, alike):
// - a client calls `checkServerIdentity`, the only SPIFFE hook a plain node:tls consumer
//   (https.request, http2.connect, grpc-js) gives us, only after the server's chain
//   verified against `ca`: with `rejectUnauthorized: false` and `ca: []` it is never called
//   and the socket connects, so options without the bundles would fail open there;
// - a server with `requestCert` and `rejectUnauthorized: true` refuses a client without a
//   certificate during the handshake (a `certificate_required` alert) and a chain of no
//   trusted domain before any `secureConnection`, and marks verified sockets `authorized`
//   (which grpc-js's auth context needs);
// - the peer's chain (leaf and presented intermediates) is readable either way.
// The cost is the TLS stack verifying the chain a second time: measured on loopback, one
// process, P-256, 400 mTLS handshakes, CPU per handshake (both sides): Node 2.6 ms without
// `ca` on either side, 4.2 ms with it on both; Deno 0.77 ms and 1.2 ms. Verifying without
// `ca` would win that back but change what a refused peer sees (no alert, no OpenSSL
// codes), so it is kept for sources that can list their bundles.
//
// A source with only `getX509BundleForTrustDomain` (any third-party X509BundleSource)
// cannot name its trust domains before the handshake, so its contexts get `ca: []` (never
// the system roots), `rejectUnauthorized: false`, and the peer is verified right after the
// handshake, before any application data: by spiffeConnect (and so dialWithMode) and by
// spiffeServer (and so listenWithMode). Only options handed to a plain node:tls consumer,
// which has no such step, need the listing (clientConnectionOptions says so by name).
import type { X509Bundle } from "../bundle/x509_bundle.ts";
import type { X509BundleSource } from "../bundle/source.ts";

/**
 * The bundles to give node:tls as `ca`, or `undefined` when the source cannot list them
 * (then the peer is verified after the handshake only, see above).
 */
export function listedBundles(source: X509BundleSource): readonly X509Bundle[] | undefined {
  return source.getX509Bundles?.();
}
