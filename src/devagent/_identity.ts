// One workload identity the devagent serves: its current X509-SVID, re-issued before
// half its lifetime has passed.
import type { SpiffeId } from "../spiffeid/spiffe_id.ts";
import type { X509Svid } from "../svid/x509_svid.ts";

export interface Identity {
  readonly id: SpiffeId;
  readonly hint: string;
  svid: X509Svid;
}
