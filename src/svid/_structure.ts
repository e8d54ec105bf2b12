// The RFC 5280 structure rules that `openssl verify -x509_strict` applies to every
// certificate signed by a CA (so not to a bundle's own trust anchors), plus SPIFFE
// X509-SVID §4 (X5-04): an empty subject needs a critical subjectAltName.
import type { TBSCertificate } from "@peculiar/asn1-x509";

/** The facts of a certificate the structure rules look at. */
export interface StructureFacts {
  readonly tbs: TBSCertificate;
  /** Serial number INTEGER content bytes. */
  readonly serial: Uint8Array;
  readonly isCA: boolean;
  /** Whether basicConstraints carries a pathLenConstraint. */
  readonly hasPathLength: boolean;
  readonly hasKeyUsage: boolean;
  readonly sanCritical: boolean | undefined;
}

const MAX_SERIAL_OCTETS = 20;

/** The first rule the certificate breaks, in Go's `x509: ...` form; undefined if none. */
export function structureProblem(facts: StructureFacts): string | undefined {
  const { tbs } = facts;
  if (tbs.version > 2) return `x509: unknown certificate version ${tbs.version + 1}`;
  if (tbs.version < 2 && tbs.extensions !== undefined && tbs.extensions.length > 0) {
    return "x509: version 1 or 2 certificate has extensions";
  }
  if (facts.serial.length > 0 && facts.serial[0] & 0x80) return "x509: negative serial number";
  const magnitude = facts.serial[0] === 0 ? facts.serial.length - 1 : facts.serial.length;
  if (magnitude > MAX_SERIAL_OCTETS) return "x509: serial number longer than 20 octets";
  if (tbs.issuer.length === 0) return "x509: empty issuer name";
  if (tbs.subject.length === 0 && facts.sanCritical !== true) {
    return "x509: empty subject name without a critical subject alternative name extension";
  }
  if (facts.hasPathLength && !facts.isCA) {
    return "x509: certificate has a path length constraint but is not a CA";
  }
  if (facts.isCA && !facts.hasKeyUsage) return "x509: CA certificate without key usage extension";
  return undefined;
}
