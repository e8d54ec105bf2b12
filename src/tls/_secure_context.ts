// node:tls secure contexts built once per SVID and bundle snapshot (building one costs
// about 1.7 ms), so that neither a dial nor a handshake rebuilds one.
import { createSecureContext, type SecureContext } from "node:tls";
import type { X509Bundle } from "../bundle/x509_bundle.ts";
import type { X509Svid } from "../svid/x509_svid.ts";
import { bundleAuthorities, svidCredentials } from "./_credentials.ts";
import { objectId } from "../_internal/object_id.ts";
import { rememberBounded } from "../_internal/bounded_cache.ts";
import { type ContextExtras, spiffeContextOptions } from "./_tls_options.ts";

const LIMIT = 64;
const contexts = new Map<string, SecureContext>();

/** What a context is made of; a key that changes whenever any part changes. */
export interface ContextParts {
  svid?: X509Svid;
  webCertificate?: { cert: string; key: string };
  bundles?: readonly X509Bundle[];
  roots?: readonly string[];
}

/** A stable key for `parts`: object identities plus bundle revisions. */
export function contextKey(parts: ContextParts): string {
  return [
    parts.svid ? objectId(parts.svid) : "-",
    parts.webCertificate ? objectId(parts.webCertificate) : "-",
    parts.bundles?.map((bundle) => `${objectId(bundle)}@${bundle.revision}`).join(",") ?? "-",
    parts.roots ? objectId(parts.roots) : "-",
  ].join("|");
}

/** The node:tls options (`cert`, `key`, `ca`) for `parts`. */
export function contextOptions(
  parts: ContextParts,
): { cert?: string; key?: string; ca?: string[] } {
  const credentials = parts.svid ? svidCredentials(parts.svid) : parts.webCertificate;
  const ca = parts.bundles ? bundleAuthorities(parts.bundles) : parts.roots?.slice();
  return { ...credentials, ...(ca ? { ca } : {}) };
}

/**
 * The cached secure context for `parts`, shaped by `extras` (protocol versions, ciphers...).
 * Renegotiation is always refused and TLS 1.2 is the floor.
 */
export function secureContextFor(parts: ContextParts, extras: ContextExtras = {}): SecureContext {
  const extrasKey = Object.keys(extras).length === 0 ? "" : `|${JSON.stringify(extras)}`;
  const key = contextKey(parts) + extrasKey;
  let context = contexts.get(key);
  if (context === undefined) {
    context = createSecureContext({ ...contextOptions(parts), ...spiffeContextOptions(extras) });
    rememberBounded(contexts, LIMIT, key, context);
  }
  return context;
}
