import type { X509Svid } from "../svid/x509_svid.ts";
import type { X509BundleSet } from "../bundle/x509_bundle_set.ts";

/**
 * One complete X.509 state from the Workload API: every X509-SVID the workload is
 * entitled to, and the X.509 bundles of its own and of federated trust domains.
 */
export interface X509Context {
  /** The SVIDs, the default one first. Never empty. */
  readonly svids: readonly X509Svid[];
  /** Bundles of the SVIDs' trust domains and of every federated trust domain. */
  readonly bundles: X509BundleSet;
  /** Certificate revocation lists (DER) delivered with the SVIDs; not applied. */
  readonly crl: readonly Uint8Array[];
}
