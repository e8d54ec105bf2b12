// node:tls secure contexts built once per SVID and bundle snapshot (building one costs
// about 1.7 ms), so that neither a dial nor a handshake rebuilds one.
import { createSecureContext, type SecureContext } from "node:tls";
import type { X509Bundle } from "../bundle/x509_bundle.ts";
import type { X509Svid } from "../svid/x509_svid.ts";
import { bundleAuthorities, svidCredentials } from "./_credentials.ts";

export const MIN_TLS_VERSION = "TLSv1.2";

const ids = new WeakMap<object, number>();
let nextId = 1;
function idOf(value: object): number {
  let id = ids.get(value);
  if (id === undefined) ids.set(value, id = nextId++);
  return id;
}

const LIMIT = 64;
const contexts = new Map<string, SecureContext>();

/** What a context is made of; a key that changes whenever any part changes. */
export interface ContextParts {
  svid?: X509Svid;
  webCertificate?: { cert: string; key: string };
  bundles?: readonly X509Bundle[];
  roots?: string[];
}

/** A stable key for `parts`: object identities plus bundle revisions. */
export function contextKey(parts: ContextParts): string {
  return [
    parts.svid ? idOf(parts.svid) : "-",
    parts.webCertificate ? idOf(parts.webCertificate) : "-",
    parts.bundles?.map((bundle) => `${idOf(bundle)}@${bundle.revision}`).join(",") ?? "-",
    parts.roots ? idOf(parts.roots) : "-",
  ].join("|");
}

/** The node:tls options (`cert`, `key`, `ca`) for `parts`. */
export function contextOptions(
  parts: ContextParts,
): { cert?: string; key?: string; ca?: string[] } {
  const credentials = parts.svid ? svidCredentials(parts.svid) : parts.webCertificate;
  const ca = parts.bundles ? bundleAuthorities(parts.bundles) : parts.roots;
  return { ...credentials, ...(ca ? { ca } : {}) };
}

/** The cached secure context for `parts`. */
export function secureContextFor(parts: ContextParts): SecureContext {
  const key = contextKey(parts);
  let context = contexts.get(key);
  if (context === undefined) {
    context = createSecureContext({ ...contextOptions(parts), minVersion: MIN_TLS_VERSION });
    if (contexts.size >= LIMIT) contexts.delete(contexts.keys().next().value!);
    contexts.set(key, context);
  }
  return context;
}
