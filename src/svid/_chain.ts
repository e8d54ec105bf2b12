// RFC 5280 path building and validation for SPIFFE peers: from the leaf, through the
// presented intermediates, to an authority of ONE bundle (the leaf ID's trust domain).
// Checks validity windows, signatures, CA flags, keyCertSign, path lengths, DNS/URI
// name constraints and unknown critical extensions. Error texts follow Go's crypto/x509.
import type { GeneralName, GeneralSubtree } from "@peculiar/asn1-x509";
import { KeyUsageBit, type ParsedCertificate } from "./_certificate.ts";

/** The longest chain (leaf to anchor) we build; real SPIFFE chains have 2 to 4. */
const MAX_CHAIN_LENGTH = 8;

/** Why a chain failed; the message is wrapped by the caller. */
export class ChainError extends Error {}

/** A verified chain: leaf first, the bundle authority last. */
export type Chain = readonly ParsedCertificate[];

/**
 * Builds every chain from `leaf` through `intermediates` to one of `anchors` that is
 * valid at `now`. Throws a ChainError naming the most relevant failure.
 */
export function verifyChains(
  leaf: ParsedCertificate,
  intermediates: readonly ParsedCertificate[],
  anchors: readonly ParsedCertificate[],
  now: number,
): Chain[] {
  checkUsable(leaf, now);
  const chains: Chain[] = [];
  let lastError: ChainError | undefined;
  const extend = (path: ParsedCertificate[]): void => {
    const child = path[path.length - 1];
    for (const [candidate, isAnchor] of candidatesFor(child, intermediates, anchors)) {
      if (path.some((cert) => cert.key === candidate.key)) continue;
      if (!child.x509.verify(candidate.x509.publicKey)) continue;
      try {
        checkSigner(candidate, path, now);
      } catch (err) {
        if (!(err instanceof ChainError)) throw err;
        lastError = err;
        continue;
      }
      if (isAnchor) chains.push([...path, candidate]);
      else if (path.length + 1 < MAX_CHAIN_LENGTH) extend([...path, candidate]);
    }
  };
  extend([leaf]);
  if (chains.length > 0) return chains;
  throw lastError ?? new ChainError("x509: certificate signed by unknown authority");
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

function checkUsable(cert: ParsedCertificate, now: number): void {
  if (cert.unhandledCritical.length > 0) {
    throw new ChainError("x509: unhandled critical extension");
  }
  if (now < cert.notBefore) {
    throw new ChainError(
      `x509: certificate has expired or is not yet valid: current time ${iso(now)} is before ${
        iso(cert.notBefore)
      }`,
    );
  }
  if (now > cert.notAfter) {
    throw new ChainError(
      `x509: certificate has expired or is not yet valid: current time ${iso(now)} is after ${
        iso(cert.notAfter)
      }`,
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
  if (signer.nameConstraints !== undefined) {
    const permitted = signer.nameConstraints.permittedSubtrees ?? [];
    const excluded = signer.nameConstraints.excludedSubtrees ?? [];
    below.forEach((cert, index) => {
      if (index > 0 && isSelfIssued(cert)) return;
      for (const name of cert.sans) checkNameConstraints(name, permitted, excluded);
    });
  }
}

function isSelfIssued(cert: ParsedCertificate): boolean {
  return cert.subject === cert.issuer;
}

type Constrained = { kind: "DNS" | "URI"; value: string; host: string };

function constrainedName(name: GeneralName): Constrained | undefined {
  if (name.dNSName !== undefined) {
    return { kind: "DNS", value: name.dNSName, host: name.dNSName };
  }
  if (name.uniformResourceIdentifier !== undefined) {
    const uri = name.uniformResourceIdentifier;
    return { kind: "URI", value: uri, host: uriHost(uri) };
  }
  return undefined;
}

function checkNameConstraints(
  name: GeneralName,
  permitted: readonly GeneralSubtree[],
  excluded: readonly GeneralSubtree[],
): void {
  for (const subtree of [...permitted, ...excluded]) {
    if (constrainedName(subtree.base) === undefined) {
      // Constraint types we do not evaluate (IP, e-mail, directory names...) fail closed.
      throw new ChainError("x509: unhandled critical extension");
    }
  }
  const target = constrainedName(name);
  if (target === undefined) return;
  const sameKind = (subtree: GeneralSubtree) => constrainedName(subtree.base)!.kind === target.kind;
  for (const subtree of excluded.filter(sameKind)) {
    const constraint = constrainedName(subtree.base)!.value;
    if (matchesConstraint(target, constraint)) {
      throw notAuthorizedForName(
        `${target.kind} name "${target.value}" is excluded by constraint "${constraint}"`,
      );
    }
  }
  const applicable = permitted.filter(sameKind);
  if (applicable.length === 0) return;
  if (
    !applicable.some((subtree) => matchesConstraint(target, constrainedName(subtree.base)!.value))
  ) {
    throw notAuthorizedForName(
      `${target.kind} name "${target.value}" is not permitted by any constraint`,
    );
  }
}

function notAuthorizedForName(detail: string): ChainError {
  return new ChainError(
    `x509: a root or intermediate certificate is not authorized to sign for this name: ${detail}`,
  );
}

/**
 * RFC 5280 §4.2.1.10: a URI constraint names a host (exact match) or, with a leading
 * period, every host below a domain; a DNS constraint also matches every subdomain.
 */
function matchesConstraint(name: Constrained, constraint: string): boolean {
  const host = name.host.toLowerCase();
  const wanted = constraint.toLowerCase();
  if (wanted === "") return true;
  if (wanted.startsWith(".")) return host.endsWith(wanted);
  if (host === wanted) return true;
  return name.kind === "DNS" && host.endsWith(`.${wanted}`);
}

/** The host of an absolute URI (no userinfo, no port), or "" when it has none. */
function uriHost(uri: string): string {
  const start = uri.indexOf("://");
  if (start < 0) return "";
  const rest = uri.slice(start + 3);
  const authority = rest.slice(0, rest.search(/[/?#]|$/));
  const host = authority.slice(authority.lastIndexOf("@") + 1);
  return host.startsWith("[") ? host : host.replace(/:\d*$/, "");
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
