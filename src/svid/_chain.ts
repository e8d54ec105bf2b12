// RFC 5280 path building and validation for SPIFFE peers: from the leaf, through the
// presented intermediates, to an authority of ONE bundle (the leaf ID's trust domain).
// Checks validity windows, signatures, CA flags, keyCertSign, path lengths, name
// constraints, structure rules and unknown critical extensions. Error texts follow Go's
// crypto/x509.
//
// The search is bounded as Go bounds it, so that a hostile chain cannot stall the event
// loop: at most MAX_SIGNATURE_CHECKS candidate parents are tried per verification, a
// candidate equal to one already on the path (same subject, key and SANs) is skipped,
// each (certificate, issuer key) signature is checked once and remembered, and the
// search stops once MAX_CHAINS chains are found.
import { KeyUsageBit, type ParsedCertificate, publicKeyOf } from "./_certificate.ts";
import { checkNameConstraints, NameConstraintError } from "./_name_constraints.ts";
import type { PublicKey } from "./_public_key.ts";
import { UnsupportedKeyError } from "./_public_key.ts";
import { signatureVerifies } from "./_signature.ts";

/** The longest chain (leaf to anchor) we build; real SPIFFE chains have 2 to 4. */
export const MAX_CHAIN_LENGTH = 8;
/** Candidate parents tried per verification (Go's crypto/x509 allows 100). */
export const MAX_SIGNATURE_CHECKS = 100;
/** Chains worth finding; more add nothing to the answer. */
const MAX_CHAINS = 4;

/** The kinds of chain failure callers tell apart; see `X509SvidErrorReason`. */
export type ChainFailure = "expired" | "not-yet-valid" | "unknown-authority" | "invalid-chain";

/** Why a chain failed; the message is wrapped by the caller. */
export class ChainError extends Error {
  /** What kind of failure this is. */
  readonly failure: ChainFailure;

  /**
   * Creates the error.
   *
   * @param message Go's crypto/x509 text.
   * @param options `failure` (default `invalid-chain`); `cause`, if any.
   */
  constructor(message: string, options: ErrorOptions & { failure?: ChainFailure } = {}) {
    super(message, options);
    this.failure = options.failure ?? "invalid-chain";
  }
}

/** A verified chain: leaf first, the bundle authority last. */
export type Chain = readonly ParsedCertificate[];

const SIGNATURE_CACHE_LIMIT = 8192;
/** Signature results by child certificate, then issuer key. Both outcomes are pure. */
const signatures = new WeakMap<ParsedCertificate, Map<string, boolean>>();

/**
 * Builds the chains from `leaf` through `intermediates` to one of `anchors` that are
 * valid at `now`. Throws a ChainError naming the most relevant failure.
 */
export function verifyChains(
  leaf: ParsedCertificate,
  intermediates: readonly ParsedCertificate[],
  anchors: readonly ParsedCertificate[],
  now: number,
): Chain[] {
  checkUsable(leaf, now);
  checkIssued(leaf);
  tryKey(leaf);
  const chains: Chain[] = [];
  let lastError: ChainError | undefined;
  let attempts = 0;
  let exhausted = false;
  const extend = (path: ParsedCertificate[]): void => {
    const child = path[path.length - 1];
    for (const [candidate, isAnchor] of candidatesFor(child, intermediates, anchors)) {
      if (chains.length >= MAX_CHAINS || exhausted) return;
      if (path.some((cert) => alreadyInChain(candidate, cert))) continue;
      if (++attempts > MAX_SIGNATURE_CHECKS) {
        exhausted = true;
        return;
      }
      try {
        if (!isAnchor) checkIssued(candidate);
        if (!signedBy(child, candidate)) continue;
        checkSigner(candidate, path, now);
        if (isAnchor && candidate.insecureAlgorithm !== undefined) {
          throw new ChainError(
            `x509: cannot verify signature: insecure algorithm ${candidate.insecureAlgorithm}`,
          );
        }
      } catch (err) {
        if (!(err instanceof ChainError)) throw err;
        lastError = err;
        continue;
      }
      if (isAnchor) chains.push([...path, candidate]);
      else if (path.length + 1 < MAX_CHAIN_LENGTH) extend([...path, candidate]);
      else {
        lastError = new ChainError(
          `x509: certificate chain is longer than ${MAX_CHAIN_LENGTH} certificates`,
        );
      }
    }
  };
  extend([leaf]);
  if (chains.length > 0) return chains;
  if (exhausted) {
    throw new ChainError(
      "x509: signature check attempts limit reached while verifying certificate chain",
    );
  }
  throw lastError ??
    new ChainError("x509: certificate signed by unknown authority", {
      failure: "unknown-authority",
    });
}

function* candidatesFor(
  child: ParsedCertificate,
  intermediates: readonly ParsedCertificate[],
  anchors: readonly ParsedCertificate[],
): Generator<[ParsedCertificate, boolean]> {
  for (const anchor of anchors) if (mayHaveIssued(anchor, child)) yield [anchor, true];
  for (const cert of intermediates) if (mayHaveIssued(cert, child)) yield [cert, false];
}

function mayHaveIssued(parent: ParsedCertificate, child: ParsedCertificate): boolean {
  if (parent.subject !== child.issuer) return false;
  return parent.subjectKeyId === undefined || child.authorityKeyId === undefined ||
    parent.subjectKeyId === child.authorityKeyId;
}

/**
 * Go's rule: a candidate is already in the chain when a certificate there has the same
 * subject, public key and subjectAltName (so re-issued copies cannot make loops).
 */
function alreadyInChain(candidate: ParsedCertificate, cert: ParsedCertificate): boolean {
  return candidate.key === cert.key ||
    (candidate.subject === cert.subject && candidate.spkiKey === cert.spkiKey &&
      candidate.sanKey === cert.sanKey);
}

/** The structure rules of a CA-signed certificate (every one but the anchor). */
function checkIssued(cert: ParsedCertificate): void {
  if (cert.structureProblem !== undefined) throw new ChainError(cert.structureProblem);
}

function tryKey(cert: ParsedCertificate): PublicKey {
  try {
    return publicKeyOf(cert);
  } catch (err) {
    if (err instanceof UnsupportedKeyError) throw new ChainError(err.message, { cause: err });
    throw err;
  }
}

/** Whether `parent`'s key made `child`'s signature; a bad encoding is a ChainError. */
function signedBy(child: ParsedCertificate, parent: ParsedCertificate): boolean {
  const key = tryKey(parent);
  if (typeof child.signature === "string") throw new ChainError(child.signature);
  let byKey = signatures.get(child);
  if (byKey === undefined) signatures.set(child, byKey = new Map());
  let verified = byKey.get(parent.spkiKey);
  if (verified === undefined) {
    verified = signatureVerifies(child.raw, child.signature, key);
    if (byKey.size >= SIGNATURE_CACHE_LIMIT) byKey.clear();
    byKey.set(parent.spkiKey, verified);
  }
  return verified;
}

function checkUsable(cert: ParsedCertificate, now: number): void {
  if (cert.unhandledCritical.length > 0) {
    throw new ChainError("x509: unhandled critical extension");
  }
  if (now < cert.notBefore) {
    throw new ChainError(
      `x509: certificate has expired or is not yet valid: current time ${iso(now)} is before ${
        iso(cert.notBefore)
      }`,
      { failure: "not-yet-valid" },
    );
  }
  if (now > cert.notAfter) {
    throw new ChainError(
      `x509: certificate has expired or is not yet valid: current time ${iso(now)} is after ${
        iso(cert.notAfter)
      }`,
      { failure: "expired" },
    );
  }
}

/** Checks `signer` as the issuer of the last certificate of `below` (leaf first). */
function checkSigner(signer: ParsedCertificate, below: ParsedCertificate[], now: number): void {
  checkUsable(signer, now);
  if (!signer.isCA) {
    throw new ChainError("x509: certificate is not authorized to sign other certificates");
  }
  if (signer.keyUsage !== undefined && (signer.keyUsage & KeyUsageBit.keyCertSign) === 0) {
    throw new ChainError("x509: certificate is not authorized to sign other certificates");
  }
  if (signer.maxPathLength !== undefined) {
    const intermediatesBelow = below.slice(1).filter((cert) => !isSelfIssued(cert)).length;
    if (intermediatesBelow > signer.maxPathLength) {
      throw new ChainError("x509: too many intermediates for path length constraint");
    }
  }
  const constraints = signer.nameConstraints;
  if (constraints === undefined) return;
  below.forEach((cert, index) => {
    if (index > 0 && isSelfIssued(cert)) return;
    try {
      checkNameConstraints(cert, constraints);
    } catch (err) {
      if (!(err instanceof NameConstraintError)) throw err;
      throw new ChainError(
        `x509: a root or intermediate certificate is not authorized to sign for this name: ${err.message}`,
        { cause: err },
      );
    }
  });
}

function isSelfIssued(cert: ParsedCertificate): boolean {
  return cert.subject === cert.issuer;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
