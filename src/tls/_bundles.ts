// The X.509 bundles a bundle source holds, for the `ca` list handed to OpenSSL. The
// source interface only looks bundles up by trust domain, so the known kinds of source
// are asked for their whole set; per-trust-domain anchoring is enforced afterwards by
// verifyX509Svid, never by this union.
import type { X509Bundle } from "../bundle/x509_bundle.ts";
import type { X509BundleSource } from "../bundle/source.ts";

interface HasBundles {
  bundles(): { toX509Bundle?(): X509Bundle; x509Authorities(): unknown }[];
}
interface HasSnapshot {
  snapshot(): { bundles?: HasBundles; x509?: HasBundles };
}

function isBundle(value: unknown): value is X509Bundle {
  return typeof (value as X509Bundle)?.x509Authorities === "function" &&
    typeof (value as X509Bundle)?.trustDomain === "object";
}

/**
 * Every X.509 bundle in `source`: an X509Bundle or SpiffeBundle, a bundle set, or a
 * source with a `snapshot()` (X509Source, BundleSource).
 */
export function listX509Bundles(source: X509BundleSource): X509Bundle[] {
  const snapshot = (source as Partial<HasSnapshot>).snapshot?.();
  const set = snapshot?.bundles ?? snapshot?.x509 ?? (source as Partial<HasBundles>);
  if (typeof set.bundles === "function") {
    return set.bundles().map((bundle) =>
      (bundle.toX509Bundle ? bundle.toX509Bundle() : bundle) as X509Bundle
    );
  }
  if (isBundle(source)) return [source];
  throw new TypeError(
    "the bundle source cannot list its bundles: use an X509Bundle, a bundle set, an X509Source or a BundleSource",
  );
}
