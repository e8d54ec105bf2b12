// Certificate signatures, checked the same way on every runtime: the algorithm is read
// and judged here (allow-list, parameters, encodings, SHA-1/MD5 refused as Go refuses
// them), and node:crypto's `verify` only does the arithmetic with a cached KeyObject.
// Deno's `X509Certificate.verify` is lenient about encodings and Node's loads other
// curves, so neither is used.
import { constants, verify } from "node:crypto";
import { AsnConvert } from "@peculiar/asn1-schema";
import { AlgorithmIdentifier } from "@peculiar/asn1-x509";
import { id_mgf1, id_sha256, id_sha384, id_sha512, RsaSaPssParams } from "@peculiar/asn1-rsa";
import { isDerEcdsaSignature, type RawCertificate } from "./_raw_certificate.ts";
import { elementBytes, readChildren, readElement } from "./_der_reader.ts";
import type { KeyKind, PublicKey } from "./_public_key.ts";

/** How a certificate is signed, once its encoding has been judged acceptable. */
export interface SignatureScheme {
  readonly name: string;
  readonly keyKinds: readonly KeyKind[];
  /** The node:crypto digest name; null for Ed25519. */
  readonly hash: string | null;
  readonly padding?: number;
  readonly saltLength?: number;
  readonly ecdsa?: boolean;
}

type Parameters = "absent" | "null-or-absent" | "pss";

const SCHEMES = new Map<string, { scheme: SignatureScheme; parameters: Parameters }>([
  ["1.2.840.10045.4.3.2", ecdsa("ECDSA-SHA256", "sha256")],
  ["1.2.840.10045.4.3.3", ecdsa("ECDSA-SHA384", "sha384")],
  ["1.2.840.10045.4.3.4", ecdsa("ECDSA-SHA512", "sha512")],
  ["1.2.840.113549.1.1.11", pkcs1("SHA256-RSA", "sha256")],
  ["1.2.840.113549.1.1.12", pkcs1("SHA384-RSA", "sha384")],
  ["1.2.840.113549.1.1.13", pkcs1("SHA512-RSA", "sha512")],
  ["1.2.840.113549.1.1.10", {
    scheme: { name: "RSASSA-PSS", keyKinds: ["rsa", "rsa-pss"], hash: null },
    parameters: "pss",
  }],
  ["1.3.101.112", {
    scheme: { name: "Ed25519", keyKinds: ["ed25519"], hash: null },
    parameters: "absent",
  }],
]);

/** Go's names for the algorithms it refuses as insecure. */
const INSECURE = new Map([
  ["1.2.840.113549.1.1.2", "MD2-RSA"],
  ["1.2.840.113549.1.1.4", "MD5-RSA"],
  ["1.2.840.113549.1.1.5", "SHA1-RSA"],
  ["1.3.14.3.2.29", "SHA1-RSA"],
  ["1.2.840.10045.4.1", "ECDSA-SHA1"],
  ["1.2.840.10040.4.3", "DSA-SHA1"],
]);

const PSS_HASHES = new Map(
  [[id_sha256, ["sha256", 32]], [id_sha384, ["sha384", 48]], [
    id_sha512,
    ["sha512", 64],
  ]] as const,
);

function ecdsa(name: string, hash: string) {
  return {
    scheme: { name, keyKinds: ["ec"] as KeyKind[], hash, ecdsa: true },
    parameters: "absent" as const,
  };
}

function pkcs1(name: string, hash: string) {
  return {
    scheme: { name, keyKinds: ["rsa"] as KeyKind[], hash, padding: constants.RSA_PKCS1_PADDING },
    parameters: "null-or-absent" as const,
  };
}

const NULL = [0x05, 0x00];
const SHA1 = "1.3.14.3.2.26";

/** Why the algorithm is insecure, e.g. `SHA1-RSA`; undefined when it is not. */
export function insecureAlgorithm(raw: RawCertificate): string | undefined {
  const { algorithm } = AsnConvert.parse(raw.outerAlgorithm, AlgorithmIdentifier);
  return INSECURE.get(algorithm) ?? pssWithSha1(raw.outerAlgorithm, algorithm);
}

function pssWithSha1(der: Uint8Array, oid: string): string | undefined {
  if (oid !== "1.2.840.113549.1.1.10") return undefined;
  try {
    const params = AsnConvert.parse(der, AlgorithmIdentifier).parameters;
    if (!params) return undefined;
    const pss = AsnConvert.parse(params, RsaSaPssParams);
    return pss.hashAlgorithm.algorithm === SHA1 ? "SHA1-RSAPSS" : undefined;
  } catch {
    return undefined; // malformed parameters are reported by signatureScheme
  }
}

/**
 * The certificate's signature scheme, or a message saying why its signature cannot be
 * checked (Go's wording where Go has one).
 */
export function signatureScheme(raw: RawCertificate): SignatureScheme | string {
  if (!equalBytes(raw.innerAlgorithm, raw.outerAlgorithm)) {
    return "x509: inner and outer signature algorithm identifiers don't match";
  }
  const insecure = insecureAlgorithm(raw);
  if (insecure !== undefined) {
    return `x509: cannot verify signature: insecure algorithm ${insecure}`;
  }
  if (raw.signatureUnusedBits !== 0) return "x509: signature bit string has unused bits";
  const identifier = AsnConvert.parse(raw.outerAlgorithm, AlgorithmIdentifier);
  const known = SCHEMES.get(identifier.algorithm);
  if (known === undefined) {
    return `x509: cannot verify signature: unsupported algorithm ${identifier.algorithm}`;
  }
  const params = rawParameters(raw.outerAlgorithm);
  switch (known.parameters) {
    case "absent":
      if (params !== undefined) {
        return known.scheme.ecdsa
          ? "x509: signature algorithm parameters must be absent for ECDSA"
          : `x509: signature algorithm parameters must be absent for ${known.scheme.name}`;
      }
      break;
    case "null-or-absent":
      if (params !== undefined && !equalBytes(params, NULL)) {
        return `x509: invalid signature algorithm parameters for ${known.scheme.name}`;
      }
      break;
    case "pss":
      return pssScheme(params);
  }
  if (known.scheme.ecdsa && !isDerEcdsaSignature(raw.signature)) {
    return "x509: ECDSA signature is not DER encoded";
  }
  return known.scheme;
}

/** RSASSA-PSS as Go accepts it: SHA-256/384/512, MGF1 with that hash, salt = hash size. */
function pssScheme(params: Uint8Array | undefined): SignatureScheme | string {
  const invalid = "x509: invalid RSASSA-PSS signature algorithm parameters";
  if (params === undefined) return invalid;
  let pss: RsaSaPssParams;
  try {
    pss = AsnConvert.parse(params, RsaSaPssParams);
  } catch {
    return invalid;
  }
  const hash = PSS_HASHES.get(pss.hashAlgorithm.algorithm as never);
  if (hash === undefined) return invalid;
  const [name, size] = hash;
  const mgf = pss.maskGenAlgorithm;
  if (mgf.algorithm !== id_mgf1 || !mgf.parameters) return invalid;
  let mgfHash: string;
  try {
    mgfHash = AsnConvert.parse(mgf.parameters, AlgorithmIdentifier).algorithm;
  } catch {
    return invalid;
  }
  if (mgfHash !== pss.hashAlgorithm.algorithm || pss.saltLength !== size) return invalid;
  if (pss.trailerField !== 1) return invalid;
  return {
    name: `SHA${size * 8}-RSAPSS`,
    keyKinds: ["rsa", "rsa-pss"],
    hash: name,
    padding: constants.RSA_PKCS1_PSS_PADDING,
    saltLength: size,
  };
}

/** Whether `key` made the signature of `raw` with `scheme`. Never throws. */
export function signatureVerifies(
  raw: RawCertificate,
  scheme: SignatureScheme,
  key: PublicKey,
): boolean {
  if (!scheme.keyKinds.includes(key.kind)) return false;
  try {
    return verify(
      scheme.hash,
      raw.tbs,
      {
        key: key.key,
        ...(scheme.ecdsa ? { dsaEncoding: "der" as const } : {}),
        ...(scheme.padding === undefined ? {} : { padding: scheme.padding }),
        ...(scheme.saltLength === undefined ? {} : { saltLength: scheme.saltLength }),
      },
      raw.signature,
    );
  } catch {
    // node:crypto throws for signatures it cannot even parse: they do not verify.
    return false;
  }
}

/**
 * The DER of an AlgorithmIdentifier's parameters, or undefined when they are absent (the
 * schema library reads an explicit NULL as absent, which RFC 5758 tells apart).
 */
function rawParameters(algorithm: Uint8Array): Uint8Array | undefined {
  const children = readChildren(algorithm, readElement(algorithm, 0));
  return children.length > 1 ? elementBytes(algorithm, children[1]) : undefined;
}

function equalBytes(a: Uint8Array, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
