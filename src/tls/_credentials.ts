// PEM credentials for node:tls, cached so that a handshake never re-encodes an SVID or
// a bundle: per SVID object, and per bundle object and revision.
import type { X509Bundle } from "../bundle/x509_bundle.ts";
import type { X509Svid } from "../svid/x509_svid.ts";

const svidPem = new WeakMap<X509Svid, { cert: string; key: string }>();
const bundlePem = new WeakMap<X509Bundle, { revision: number; pems: string[] }>();

/** The SVID's chain and key as PEM (`cert`, `key` options of node:tls). */
export function svidCredentials(svid: X509Svid): { cert: string; key: string } {
  let pem = svidPem.get(svid);
  if (pem === undefined) {
    const { certificates, privateKey } = svid.marshal();
    pem = { cert: certificates, key: privateKey };
    svidPem.set(svid, pem);
  }
  return pem;
}

/** The authorities of every bundle as PEM certificates (the `ca` option of node:tls). */
export function bundleAuthorities(bundles: readonly X509Bundle[]): string[] {
  return bundles.flatMap((bundle) => {
    const cached = bundlePem.get(bundle);
    if (cached !== undefined && cached.revision === bundle.revision) return cached.pems;
    const pems = bundle.x509Authorities().map((cert) => cert.toString());
    bundlePem.set(bundle, { revision: bundle.revision, pems });
    return pems;
  });
}
