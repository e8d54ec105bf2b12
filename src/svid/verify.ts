import type { X509Certificate } from "node:crypto";
import { errorMessage, X509SvidError } from "../errors.ts";
import { rememberBounded } from "../_internal/bounded_cache.ts";
import type { SpiffeId } from "../spiffeid/spiffe_id.ts";
import type { X509BundleSource } from "../bundle/source.ts";
import {
  EKU_CLIENT_AUTH,
  EKU_SERVER_AUTH,
  KeyUsageBit,
  parseCertificate,
  type ParsedCertificate,
} from "./_certificate.ts";
import { type Chain, ChainError, verifyChains } from "./_chain.ts";
import { idFromCertificate } from "./_leaf.ts";

/** Options of {@linkcode verifyX509Svid}. */
export interface VerifyX509SvidOptions {
  /**
   * The time at which the chain must be valid.
   *
   * @default {new Date()}
   */
  time?: Date;
}

/** What {@linkcode verifyX509Svid} proves about a peer. */
export interface VerifiedX509Svid {
  /** The peer's SPIFFE ID, from its leaf certificate. */
  id: SpiffeId;
  /** Every chain that verified: leaf first, a bundle authority last. */
  verifiedChains: X509Certificate[][];
}

/**
 * Verifies a peer's X509-SVID chain (leaf first, then intermediates) against the bundle
 * of the leaf ID's own trust domain, and returns the peer's SPIFFE ID.
 *
 * It is stricter than go-spiffe where the SPIFFE standard says so: besides full RFC 5280
 * path validation (validity, signatures, CA flags, keyCertSign, path length, DNS and URI
 * name constraints, unknown critical extensions), the leaf must have exactly one URI SAN
 * holding a SPIFFE ID with a non-root path, must not be a CA, must have the
 * digitalSignature key usage and neither keyCertSign nor cRLSign, and, when it has an
 * extended key usage extension, must list both serverAuth and clientAuth. Only the bundle
 * of the leaf's trust domain anchors the chain; certificates after the leaf are never
 * trusted by themselves.
 *
 * Signatures are checked the same way on Deno and Node: SHA-1 and MD5 are refused anywhere
 * in the chain (the bundle authority's own signature included), the inner and outer
 * algorithms must match, ECDSA signatures must be DER with absent parameters, and only
 * P-256/P-384/P-521, RSA (≥ 1024 bits), RSASSA-PSS and Ed25519 keys are used. Every
 * certificate signed by a CA must also follow RFC 5280's structure rules (as
 * `openssl verify -x509_strict`). A presented certificate that no path needs, however
 * malformed, never makes a valid chain fail.
 *
 * The work is bounded whatever a peer presents: at most 16 certificates, chains of at
 * most 8 (leaf to authority), at most 100 candidate-issuer checks per verification (as
 * Go's crypto/x509), each (certificate, issuer key) signature checked once.
 *
 * Parsed certificates and verified chains are cached (by DER, and per bundle authority),
 * so repeated peers are cheap; a failure is never cached and a cached chain is used only
 * while its authority is still in the bundle and every certificate is within its validity
 * window.
 *
 * @param certs The peer chain as DER bytes or `X509Certificate`s, leaf first.
 * @param bundleSource Where to find the X.509 bundle of the leaf's trust domain.
 * @param options `time`: verify at another time than now.
 * @returns The peer's ID and the verified chains.
 * @throws {X509SvidError} With go-spiffe's reason, e.g. `x509svid: could not verify leaf
 * certificate: x509: certificate signed by unknown authority`; `x509svid: too many
 * certificates: 17 presented, at most 16 are accepted`; `... x509: signature check attempts
 * limit reached while verifying certificate chain`. Nothing else escapes.
 *
 * @example Verifying a peer chain
 * ```ts ignore
 * import { verifyX509Svid, X509Bundle, TrustDomain } from "@spiffe-ts/spiffe";
 *
 * declare const peerChain: Uint8Array[];
 * declare const bundlePem: string;
 * const bundle = X509Bundle.parse(TrustDomain.parse("example.org"), bundlePem);
 * const { id } = await verifyX509Svid(peerChain, bundle);
 * console.log(`peer is ${id}`);
 * ```
 */
export function verifyX509Svid(
  certs: readonly (Uint8Array | X509Certificate)[],
  bundleSource: X509BundleSource,
  options: VerifyX509SvidOptions = {},
): Promise<VerifiedX509Svid> {
  try {
    return Promise.resolve(verifyX509SvidSync(certs, bundleSource, options));
  } catch (err) {
    return Promise.reject(err);
  }
}

const CHAIN_CACHE_LIMIT = 1024;
/** The most certificates a peer may present (leaf included); real chains have 1 to 3. */
const MAX_PRESENTED = 16;
/** Verified chains by the DER keys of the presented certificates. */
const chainCache = new Map<string, { id: SpiffeId; chains: Chain[] }>();

/**
 * The synchronous form of {@linkcode verifyX509Svid}, for TLS handshake hooks.
 *
 * @param certs The peer chain as DER bytes or `X509Certificate`s, leaf first.
 * @param bundleSource Where to find the X.509 bundle of the leaf's trust domain.
 * @param options `time`: verify at another time than now.
 * @returns The peer's ID and the verified chains.
 * @throws {X509SvidError} As {@linkcode verifyX509Svid}.
 *
 * @example
 * ```ts ignore
 * import { verifyX509SvidSync } from "@spiffe-ts/spiffe";
 *
 * declare const peerChain: Uint8Array[];
 * declare const bundles: import("@spiffe-ts/spiffe").X509BundleSource;
 * console.log(verifyX509SvidSync(peerChain, bundles).id.toString());
 * ```
 */
export function verifyX509SvidSync(
  certs: readonly (Uint8Array | X509Certificate)[],
  bundleSource: X509BundleSource,
  options: VerifyX509SvidOptions = {},
): VerifiedX509Svid {
  if (certs.length === 0) {
    throw new X509SvidError("x509svid: empty certificates chain", { reason: "no-certificates" });
  }
  if (certs.length > MAX_PRESENTED) {
    throw new X509SvidError(
      `x509svid: too many certificates: ${certs.length} presented, at most ${MAX_PRESENTED} are accepted`,
      { reason: "too-many-certificates" },
    );
  }
  if (bundleSource == null) {
    throw new X509SvidError("x509svid: bundleSource is required", { reason: "bundle-not-found" });
  }
  const leaf = parsePresented(certs[0]);
  // An intermediate that does not parse cannot be on any path: it is left out, and only
  // reported if no chain is found without it.
  const intermediates: ParsedCertificate[] = [];
  let unparsed: X509SvidError | undefined;
  for (const cert of certs.slice(1)) {
    try {
      intermediates.push(parsePresented(cert));
    } catch (err) {
      unparsed ??= err as X509SvidError;
    }
  }
  const id = checkLeaf(leaf);
  let bundle;
  try {
    bundle = bundleSource.getX509BundleForTrustDomain(id.trustDomain);
  } catch (err) {
    throw new X509SvidError(`x509svid: could not get X509 bundle: ${errorMessage(err)}`, {
      cause: err,
      reason: "bundle-not-found",
    });
  }
  const now = (options.time ?? new Date()).getTime();
  const cacheKey = [leaf, ...intermediates].map((cert) => cert.key).join(",");
  const cached = chainCache.get(cacheKey)?.chains.filter((chain) =>
    chain.every((cert) => cert.notBefore <= now && now <= cert.notAfter) &&
    bundle.hasX509Authority(chain[chain.length - 1].x509)
  );
  if (cached !== undefined && cached.length > 0) return { id, verifiedChains: toPublic(cached) };

  let chains: Chain[];
  try {
    chains = verifyChains(leaf, intermediates, anchorsOf(bundle), now);
  } catch (err) {
    if (!(err instanceof ChainError)) throw err;
    if (unparsed !== undefined) throw unparsed;
    throw new X509SvidError(`x509svid: could not verify leaf certificate: ${err.message}`, {
      cause: err,
      reason: err.failure,
    });
  }
  rememberBounded(chainCache, CHAIN_CACHE_LIMIT, cacheKey, { id, chains });
  // The leaf alone also finds these chains next time: a TLS peer's leaf is cheap to get,
  // its intermediates are not, and once a path to the bundle is proven for a leaf it
  // holds whatever intermediates are presented later (still subject to the checks above).
  if (intermediates.length > 0) {
    rememberBounded(chainCache, CHAIN_CACHE_LIMIT, leaf.key, { id, chains });
  }
  return { id, verifiedChains: toPublic(chains) };
}

function parsePresented(cert: Uint8Array | X509Certificate): ParsedCertificate {
  try {
    return parseCertificate(cert);
  } catch (err) {
    throw new X509SvidError(`x509svid: unable to parse certificate: ${errorMessage(err)}`, {
      cause: err,
      reason: "malformed-certificate",
    });
  }
}

/** The bundle's authorities that parse; one that does not can anchor nothing. */
function anchorsOf(bundle: { x509Authorities(): X509Certificate[] }): ParsedCertificate[] {
  return bundle.x509Authorities().flatMap((cert) => {
    try {
      return [parseCertificate(cert)];
    } catch {
      return [];
    }
  });
}

/** The leaf rules of SPIFFE X509-SVID §5.2 (and §4.3, §4.4 in strict form). */
function checkLeaf(leaf: ParsedCertificate): SpiffeId {
  let id: SpiffeId;
  try {
    id = idFromCertificate(leaf);
  } catch (err) {
    throw invalidLeaf(`could not get leaf SPIFFE ID: ${errorMessage(err)}`, err);
  }
  if (id.path === "") {
    throw invalidLeaf("leaf certificate SPIFFE ID must have a non-root path");
  }
  if (leaf.isCA) throw invalidLeaf("leaf certificate with CA flag set to true");
  const usage = leaf.keyUsage ?? 0;
  if (usage & KeyUsageBit.keyCertSign) {
    throw invalidLeaf("leaf certificate with KeyCertSign key usage");
  }
  if (usage & KeyUsageBit.cRLSign) {
    throw invalidLeaf("leaf certificate with KeyCrlSign key usage");
  }
  if ((usage & KeyUsageBit.digitalSignature) === 0) {
    throw invalidLeaf("leaf certificate without DigitalSignature key usage");
  }
  const eku = leaf.extKeyUsage;
  if (eku !== undefined && !(eku.includes(EKU_SERVER_AUTH) && eku.includes(EKU_CLIENT_AUTH))) {
    throw invalidLeaf("leaf certificate extended key usage must include serverAuth and clientAuth");
  }
  return id;
}

/** A leaf that breaks the X509-SVID rules; `cause` is set only when there is one. */
function invalidLeaf(message: string, ...cause: [unknown?]): X509SvidError {
  const options = cause.length === 0 ? {} : { cause: cause[0] };
  return new X509SvidError(`x509svid: ${message}`, { ...options, reason: "invalid-certificate" });
}

function toPublic(chains: Chain[]): X509Certificate[][] {
  return chains.map((chain) => chain.map((cert) => cert.x509));
}
