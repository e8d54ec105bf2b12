// RFC 5280 §4.2.1.10 name constraints, applied to the names of every certificate below
// a constrained CA. DNS, URI and IP address constraints are evaluated; a constraint of
// another type (e-mail, directory name, ...) fails closed when the certificate has a
// name it could apply to, and is harmless otherwise.
import { AsnConvert } from "@peculiar/asn1-schema";
import type { GeneralName, GeneralSubtree, NameConstraints } from "@peculiar/asn1-x509";
import { GeneralName as GeneralNameSchema } from "@peculiar/asn1-x509";

/** Why a name is refused; the chain builder turns it into a ChainError. */
export class NameConstraintError extends Error {}

/** What a constraint check needs of a certificate. */
export interface ConstrainedNames {
  readonly sans: readonly GeneralName[];
  readonly subjectEmpty: boolean;
  readonly subjectHasEmail: boolean;
}

type Kind =
  | "dNSName"
  | "uniformResourceIdentifier"
  | "iPAddress"
  | "rfc822Name"
  | "directoryName"
  | "otherName"
  | "registeredID"
  | "x400Address"
  | "ediPartyName";

const KINDS: readonly Kind[] = [
  "dNSName",
  "uniformResourceIdentifier",
  "iPAddress",
  "rfc822Name",
  "directoryName",
  "otherName",
  "registeredID",
  "x400Address",
  "ediPartyName",
];

const LABELS: Record<Kind, string> = {
  dNSName: "DNS",
  uniformResourceIdentifier: "URI",
  iPAddress: "IP",
  rfc822Name: "email",
  directoryName: "directory name",
  otherName: "other name",
  registeredID: "registered ID",
  x400Address: "X.400 address",
  ediPartyName: "EDI party name",
};

function kindOf(name: GeneralName): Kind | undefined {
  return KINDS.find((kind) => name[kind] !== undefined);
}

/**
 * Checks `names` against a CA's constraints.
 *
 * @throws {NameConstraintError} When a name is excluded, not permitted, or cannot be
 * judged.
 */
export function checkNameConstraints(names: ConstrainedNames, constraints: NameConstraints): void {
  const permitted = constraints.permittedSubtrees ?? [];
  const excluded = constraints.excludedSubtrees ?? [];
  const all = [...permitted, ...excluded];
  const kinds = new Set(all.map((subtree) => kindOf(subtree.base)));
  for (const kind of kinds) {
    if (kind === "dNSName" || kind === "uniformResourceIdentifier" || kind === "iPAddress") {
      continue;
    }
    if (kind === undefined || appliesTo(kind, names)) {
      throw new NameConstraintError(
        `${kind === undefined ? "an unknown" : `a ${LABELS[kind]}`} constraint cannot be evaluated`,
      );
    }
  }
  for (const name of names.sans) {
    const kind = kindOf(name);
    if (kind !== "dNSName" && kind !== "uniformResourceIdentifier" && kind !== "iPAddress") {
      continue;
    }
    const sameKind = (subtree: GeneralSubtree) => kindOf(subtree.base) === kind;
    const against = (subtree: GeneralSubtree) => matches(kind, name, subtree.base);
    const label = `${LABELS[kind]} name "${display(kind, name)}"`;
    const excludedHere = excluded.filter(sameKind);
    const permittedHere = permitted.filter(sameKind);
    if (excludedHere.length === 0 && permittedHere.length === 0) continue;
    const excluding = excludedHere.find(against);
    if (excluding !== undefined) {
      throw new NameConstraintError(
        `${label} is excluded by constraint "${display(kind, excluding.base)}"`,
      );
    }
    if (permittedHere.length > 0 && !permittedHere.some(against)) {
      throw new NameConstraintError(`${label} is not permitted by any constraint`);
    }
  }
}

/** Whether a constraint of `kind` could apply to the certificate's names. */
function appliesTo(kind: Kind, names: ConstrainedNames): boolean {
  if (names.sans.some((name) => kindOf(name) === kind)) return true;
  if (kind === "rfc822Name") return names.subjectHasEmail;
  if (kind === "directoryName") return !names.subjectEmpty;
  return false;
}

function display(kind: Kind, name: GeneralName): string {
  return kind === "iPAddress" ? ipString(ipBytes(name)) : String(name[kind]);
}

function matches(kind: Kind, name: GeneralName, constraint: GeneralName): boolean {
  if (kind === "iPAddress") return ipMatches(ipBytes(name), ipBytes(constraint));
  if (kind === "dNSName") return hostMatches(name.dNSName!, constraint.dNSName!, true);
  const uri = name.uniformResourceIdentifier!;
  const host = uriHost(uri);
  if (host === "") {
    throw new NameConstraintError(`URI "${uri}" has no host to match against constraints`);
  }
  if (isIpLiteral(host)) {
    throw new NameConstraintError(
      `URI "${uri}" has an IP address host, which cannot be matched against constraints`,
    );
  }
  return hostMatches(host, constraint.uniformResourceIdentifier!, false);
}

/**
 * RFC 5280: a URI constraint names a host (exact match) or, with a leading period,
 * every host below a domain; a DNS constraint also matches every subdomain. One
 * trailing dot (the DNS root) is not significant: `example.org.` is `example.org`.
 */
function hostMatches(host: string, constraint: string, subdomains: boolean): boolean {
  const name = withoutRootDot(host.toLowerCase());
  const wanted = withoutRootDot(constraint.toLowerCase());
  if (wanted === "") return true;
  if (wanted.startsWith(".")) return name.endsWith(wanted);
  if (name === wanted) return true;
  return subdomains && name.endsWith(`.${wanted}`);
}

function withoutRootDot(host: string): string {
  return host.endsWith(".") ? host.slice(0, -1) : host;
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

function isIpLiteral(host: string): boolean {
  return host.startsWith("[") || /^[0-9.]+$/.test(withoutRootDot(host)) &&
      withoutRootDot(host).split(".").length === 4;
}

/** The OCTET STRING of an iPAddress name: 4 or 16 bytes, or 8 or 32 with a mask. */
function ipBytes(name: GeneralName): Uint8Array {
  const der = new Uint8Array(AsnConvert.serialize(new GeneralNameSchema(name)));
  // [7] IMPLICIT OCTET STRING with a short length: tag, length, bytes.
  if (der[1] & 0x80) throw new NameConstraintError("malformed IP address name");
  return der.subarray(2);
}

function ipMatches(address: Uint8Array, constraint: Uint8Array): boolean {
  if (address.length !== 4 && address.length !== 16) {
    throw new NameConstraintError("malformed IP address name");
  }
  if (constraint.length !== 8 && constraint.length !== 32) {
    throw new NameConstraintError("malformed IP address constraint");
  }
  const size = constraint.length / 2;
  if (size !== address.length) return false;
  const mask = constraint.subarray(size);
  let ended = false;
  for (const byte of mask) {
    for (let bit = 7; bit >= 0; bit--) {
      const set = (byte >> bit) & 1;
      if (set && ended) throw new NameConstraintError("IP address constraint has a bad mask");
      if (!set) ended = true;
    }
  }
  for (let i = 0; i < size; i++) {
    if ((address[i] & mask[i]) !== (constraint[i] & mask[i])) return false;
  }
  return true;
}

function ipString(bytes: Uint8Array): string {
  if (bytes.length === 4) return bytes.join(".");
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
