// The peer chains behind the TLS sessions dialWithMode established. node:tls skips
// `checkServerIdentity` on a resumed session, and Node's client side of a resumed
// session holds no peer certificate at all; resumption proves the server is the party
// of the original session, so the chain verified then is verified again (against the
// current bundles, time and authorizer) before a resumed connection is used.
import { rememberBounded } from "../_internal/bounded_cache.ts";
import { encodeBase64 } from "../_internal/base64.ts";

const LIMIT = 1024;
const chains = new Map<string, Uint8Array[]>();

/** Records the peer chain of a session ticket (the bytes of node:tls's `session` event). */
export function rememberSessionPeer(session: Uint8Array, chain: Uint8Array[]): void {
  rememberBounded(chains, LIMIT, encodeBase64(session), chain);
}

/** The peer chain of a session, or empty when spiffe-ts did not establish it. */
export function sessionPeer(session: Uint8Array | undefined): Uint8Array[] {
  return session === undefined ? [] : chains.get(encodeBase64(session)) ?? [];
}
