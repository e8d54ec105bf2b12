// One parsed certificate: node:crypto's X509Certificate for signatures and the public
// object, plus the extension facts node:crypto does not expose (key usage bits,
// criticality, path length, name constraints), read with @peculiar/asn1-x509.
// Parsing is cached by DER so a peer presenting the same chain is parsed once.
// Facts that can make a certificate unusable (its signature encoding, its structure)
// are recorded, not thrown: an extra presented certificate that no path needs must
// never make a valid chain fail.
import { X509Certificate } from "node:crypto";
import { rememberBounded } from "../_internal/bounded_cache.ts";
import { derKey, parseCertificateDer } from "../_internal/certificate.ts";
import { AsnConvert } from "@peculiar/asn1-schema";
import {
  AuthorityKeyIdentifier,
  BasicConstraints,
  Certificate,
  ExtendedKeyUsage,
  type GeneralName,
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_certificatePolicies,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_ce_nameConstraints,
  id_ce_subjectAltName,
  id_ce_subjectKeyIdentifier,
  KeyUsage,
  NameConstraints,
  SubjectAlternativeName,
  SubjectKeyIdentifier,
} from "@peculiar/asn1-x509";
import { type RawCertificate, rawCertificate } from "./_raw_certificate.ts";
import { insecureAlgorithm, type SignatureScheme, signatureScheme } from "./_signature.ts";
import { structureProblem } from "./_structure.ts";
import { loadPublicKey, type PublicKey } from "./_public_key.ts";

/** Key usage bits, as in RFC 5280 §4.2.1.3 (bit 0 = digitalSignature). */
export const KeyUsageBit = {
  digitalSignature: 1,
  keyCertSign: 32,
  cRLSign: 64,
} as const;

/** Extended key usage OIDs a SPIFFE leaf must carry when it has the extension. */
export const EKU_SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
export const EKU_CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

/** Extensions whose meaning path validation enforces, so they may be critical. */
const HANDLED_EXTENSIONS = new Set([
  id_ce_basicConstraints,
  id_ce_keyUsage,
  id_ce_extKeyUsage,
  id_ce_subjectAltName,
  id_ce_nameConstraints,
  id_ce_subjectKeyIdentifier,
  id_ce_authorityKeyIdentifier,
  id_ce_certificatePolicies, // any policy is acceptable, as in Go and OpenSSL defaults
]);

/** The facts verification needs about one certificate. */
export interface ParsedCertificate {
  /** The DER bytes, base64: the cache key and the identity of the certificate. */
  readonly key: string;
  readonly x509: X509Certificate;
  readonly subject: string;
  readonly issuer: string;
  readonly notBefore: number;
  readonly notAfter: number;
  readonly isCA: boolean;
  /** Maximum number of intermediates below this CA, if constrained. */
  readonly maxPathLength: number | undefined;
  /** Key usage bit flags, or `undefined` when the extension is absent. */
  readonly keyUsage: number | undefined;
  /** Extended key usage OIDs, or `undefined` when the extension is absent. */
  readonly extKeyUsage: readonly string[] | undefined;
  readonly sans: readonly GeneralName[];
  readonly nameConstraints: NameConstraints | undefined;
  /** OIDs of critical extensions that validation does not understand. */
  readonly unhandledCritical: readonly string[];
  readonly subjectKeyId: string | undefined;
  readonly authorityKeyId: string | undefined;
  /** The byte-exact pieces: signed bytes, algorithms, signature. */
  readonly raw: RawCertificate;
  /** The SubjectPublicKeyInfo DER, base64: equal keys have equal strings. */
  readonly spkiKey: string;
  /** The subjectAltName extension value, base64, or `undefined` without one. */
  readonly sanKey: string | undefined;
  /** Whether the subject is an empty Name. */
  readonly subjectEmpty: boolean;
  /** Whether the subject holds an emailAddress attribute (PKCS #9). */
  readonly subjectHasEmail: boolean;
  /** How the certificate is signed, or why its signature cannot be checked. */
  readonly signature: SignatureScheme | string;
  /** Set when the certificate's own signature uses an algorithm refused as insecure. */
  readonly insecureAlgorithm: string | undefined;
  /** The first RFC 5280 structure rule it breaks (checked on CA-signed certificates). */
  readonly structureProblem: string | undefined;
}

/**
 * The certificate's public key, if it is of an allowed kind.
 *
 * @throws {import("./_public_key.ts").UnsupportedKeyError} Otherwise.
 */
export function publicKeyOf(cert: ParsedCertificate): PublicKey {
  return loadPublicKey(cert.raw.subjectPublicKeyInfo, cert.spkiKey);
}

const EMAIL_ADDRESS = "1.2.840.113549.1.9.1";

const CACHE_LIMIT = 4096;
const cache = new Map<string, ParsedCertificate>();
/** Parsed certificates by object, for callers that pass the same X509Certificate again. */
const byObject = new WeakMap<X509Certificate, ParsedCertificate>();

/**
 * Parses a DER certificate (or takes an X509Certificate), cached by DER.
 * Throws a plain Error describing the failure; callers wrap it.
 */
export function parseCertificate(input: Uint8Array | X509Certificate): ParsedCertificate {
  if (!(input instanceof X509Certificate)) return parseDer(input, undefined);
  let parsed = byObject.get(input);
  if (parsed === undefined) {
    parsed = parseDer(input.raw, input);
    byObject.set(input, parsed);
  }
  return parsed;
}

function parseDer(der: Uint8Array, x509: X509Certificate | undefined): ParsedCertificate {
  const key = derKey(der);
  const parsed = cache.get(key) ?? parseUncached(key, der, x509);
  rememberBounded(cache, CACHE_LIMIT, key, parsed); // a hit becomes the newest entry
  return parsed;
}

function parseUncached(
  key: string,
  der: Uint8Array,
  x509: X509Certificate | undefined,
): ParsedCertificate {
  // Trailing bytes are refused, so one certificate has exactly one cache key.
  const node = x509 ?? parseCertificateDer(der);
  const asn = AsnConvert.parse(der, Certificate);
  const tbs = asn.tbsCertificate;
  const raw = rawCertificate(der);
  let isCA = false;
  let hasPathLength = false;
  let sanCritical: boolean | undefined;
  let sanKey: string | undefined;
  let maxPathLength: number | undefined;
  let keyUsage: number | undefined;
  let extKeyUsage: string[] | undefined;
  let sans: GeneralName[] = [];
  let nameConstraints: NameConstraints | undefined;
  let subjectKeyId: string | undefined;
  let authorityKeyId: string | undefined;
  const unhandledCritical: string[] = [];
  const seen = new Set<string>();
  for (const ext of tbs.extensions ?? []) {
    if (seen.has(ext.extnID)) throw new Error(`duplicate extension ${ext.extnID}`);
    seen.add(ext.extnID);
    const value = ext.extnValue.buffer;
    switch (ext.extnID) {
      case id_ce_basicConstraints: {
        const bc = AsnConvert.parse(value, BasicConstraints);
        isCA = bc.cA;
        hasPathLength = bc.pathLenConstraint !== undefined;
        maxPathLength = bc.cA ? bc.pathLenConstraint : undefined;
        break;
      }
      case id_ce_keyUsage:
        keyUsage = AsnConvert.parse(value, KeyUsage).toNumber();
        break;
      case id_ce_extKeyUsage:
        extKeyUsage = [...AsnConvert.parse(value, ExtendedKeyUsage)];
        break;
      case id_ce_subjectAltName:
        sans = [...AsnConvert.parse(value, SubjectAlternativeName)];
        sanCritical = ext.critical;
        sanKey = derKey(new Uint8Array(value));
        break;
      case id_ce_nameConstraints:
        nameConstraints = AsnConvert.parse(value, NameConstraints);
        break;
      case id_ce_subjectKeyIdentifier:
        subjectKeyId = derKey(new Uint8Array(AsnConvert.parse(value, SubjectKeyIdentifier).buffer));
        break;
      case id_ce_authorityKeyIdentifier: {
        const id = AsnConvert.parse(value, AuthorityKeyIdentifier).keyIdentifier;
        authorityKeyId = id === undefined ? undefined : derKey(new Uint8Array(id.buffer));
        break;
      }
    }
    if (ext.critical && !HANDLED_EXTENSIONS.has(ext.extnID)) unhandledCritical.push(ext.extnID);
  }
  return {
    key,
    x509: node,
    raw,
    spkiKey: derKey(raw.subjectPublicKeyInfo),
    sanKey,
    subjectEmpty: tbs.subject.length === 0,
    subjectHasEmail: tbs.subject.some((rdn) => rdn.some((a) => a.type === EMAIL_ADDRESS)),
    signature: signatureScheme(raw),
    insecureAlgorithm: insecureAlgorithm(raw),
    structureProblem: structureProblem({
      tbs,
      serial: raw.serial,
      isCA,
      hasPathLength,
      hasKeyUsage: keyUsage !== undefined,
      sanCritical,
    }),
    subject: derKey(new Uint8Array(AsnConvert.serialize(tbs.subject))),
    issuer: derKey(new Uint8Array(AsnConvert.serialize(tbs.issuer))),
    notBefore: tbs.validity.notBefore.getTime().getTime(),
    notAfter: tbs.validity.notAfter.getTime().getTime(),
    isCA,
    maxPathLength,
    keyUsage,
    extKeyUsage,
    sans,
    nameConstraints,
    unhandledCritical,
    subjectKeyId,
    authorityKeyId,
  };
}
