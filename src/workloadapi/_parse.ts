// Turns Workload API messages into library objects. Each message is the complete state
// (SPIFFE Workload API §4.3): it is parsed whole or rejected whole, so a bad update
// never replaces a good state. Missing mandatory fields reject the message (§4.5).
import { errorMessage, WorkloadApiError } from "../errors.ts";
import { X509Svid } from "../svid/x509_svid.ts";
import { JwtSvid } from "../svid/jwt_svid.ts";
import { X509Bundle } from "../bundle/x509_bundle.ts";
import { X509BundleSet } from "../bundle/x509_bundle_set.ts";
import { JwtBundleSet } from "../bundle/jwt_bundle_set.ts";
import type { X509Context } from "./x509_context.ts";
import type {
  BundlesResponseMessage,
  JwtSvidResponseMessage,
  X509SvidResponseMessage,
} from "./wire_messages.ts";

function malformed(message: string, cause?: unknown): WorkloadApiError {
  return new WorkloadApiError(`workloadapi: ${message}`, { cause });
}

function isEmpty(bytes: Uint8Array | null | undefined): boolean {
  return bytes === undefined || bytes === null || bytes.length === 0;
}

/** Keeps the first entry of each non-empty hint (SPIFFE Workload API §5.2.1). */
function firstPerHint<T extends { hint: string }>(items: T[]): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    if (item.hint === "") return true;
    if (seen.has(item.hint)) return false;
    seen.add(item.hint);
    return true;
  });
}

/** Parses an `X509SVIDResponse` into an {@linkcode X509Context}. */
export function parseX509Context(response: X509SvidResponseMessage): X509Context {
  const messages = response.svids ?? [];
  if (messages.length === 0) throw malformed("no SVIDs in response");
  const bundles = new X509BundleSet();
  const svids = firstPerHint(messages.map((message, index) => {
    if (!message.spiffeId) throw malformed(`SVID ${index} has no spiffe_id`);
    if (isEmpty(message.x509Svid)) throw malformed(`SVID ${index} has no x509_svid`);
    if (isEmpty(message.x509SvidKey)) throw malformed(`SVID ${index} has no x509_svid_key`);
    if (isEmpty(message.bundle)) throw malformed(`SVID ${index} has no bundle`);
    const svid = X509Svid.parseRaw(message.x509Svid!, message.x509SvidKey!, {
      hint: message.hint ?? "",
    });
    if (svid.id.toString() !== message.spiffeId) {
      throw malformed(
        `SVID ${index} spiffe_id "${message.spiffeId}" does not match its certificate's ID "${svid.id}"`,
      );
    }
    if (!bundles.has(svid.id.trustDomain)) {
      bundles.add(X509Bundle.parseRaw(svid.id.trustDomain, message.bundle!));
    }
    return svid;
  }));
  for (const federated of parseX509Bundles(response.federatedBundles ?? {}).bundles()) {
    if (bundles.has(federated.trustDomain)) {
      throw malformed(
        `federated bundle for the SVIDs' own trust domain "${federated.trustDomain}"`,
      );
    }
    bundles.add(federated);
  }
  return { svids, bundles, crl: response.crl ?? [] };
}

/** Parses a map of trust domain → concatenated DER bundle. */
export function parseX509Bundles(map: Record<string, Uint8Array>): X509BundleSet {
  return X509BundleSet.parseRawMap(map);
}

/** Parses an `X509BundlesResponse`; it must hold at least one bundle. */
export function parseX509BundlesResponse(response: BundlesResponseMessage): X509BundleSet {
  const map = response.bundles ?? {};
  if (Object.keys(map).length === 0) throw malformed("no bundles in response");
  return parseX509Bundles(map);
}

/** Parses a `JWTBundlesResponse`; it must hold at least one bundle. */
export function parseJwtBundlesResponse(response: BundlesResponseMessage): JwtBundleSet {
  const map = response.bundles ?? {};
  if (Object.keys(map).length === 0) throw malformed("no bundles in response");
  return JwtBundleSet.parseMap(map);
}

/**
 * Parses a `JWTSVIDResponse`, checking each token's subject, audience and expiry (not
 * its signature: the agent just minted it) as go-spiffe does.
 */
export function parseJwtSvidResponse(
  response: JwtSvidResponseMessage,
  audience: string[],
): JwtSvid[] {
  const messages = response.svids ?? [];
  if (messages.length === 0) throw malformed("there were no SVIDs in the response");
  return firstPerHint(messages.map((message, index) => {
    if (!message.svid) throw malformed(`JWT-SVID ${index} has no svid`);
    try {
      return JwtSvid.parseInsecure(message.svid, audience, { hint: message.hint ?? "" });
    } catch (err) {
      throw malformed(`JWT-SVID ${index} is invalid: ${errorMessage(err)}`, err);
    }
  }));
}
