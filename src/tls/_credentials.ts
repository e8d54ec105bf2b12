// PEM credentials for node:tls, cached so that a handshake never re-encodes an SVID or
// a bundle: per SVID object, and per bundle object and revision.
import type { X509Bundle } from "../bundle/x509_bundle.ts";
import { X509SvidError } from "../errors.ts";
import type { X509Svid, X509SvidSource } from "../svid/x509_svid.ts";

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

const validity = new WeakMap<X509Svid, [notBefore: number, notAfter: number]>();

/**
 * The source's current SVID, which must be valid now: an expired or not-yet-valid SVID
 * is never served (the source may still hold one while its agent is unreachable).
 */
export function currentSvid(source: X509SvidSource): X509Svid {
  const svid = source.getX509Svid();
  let window = validity.get(svid);
  if (window === undefined) {
    window = [new Date(svid.certificates[0].validFrom).getTime(), svid.expiresAt.getTime()];
    validity.set(svid, window);
  }
  const [notBefore, notAfter] = window;
  const now = Date.now();
  if (now > notAfter) {
    throw new X509SvidError(
      `x509svid: the X509-SVID "${svid.id}" expired at ${new Date(notAfter).toISOString()}`,
    );
  }
  if (now < notBefore) {
    throw new X509SvidError(
      `x509svid: the X509-SVID "${svid.id}" is not valid before ${
        new Date(notBefore).toISOString()
      }`,
    );
  }
  return svid;
}
