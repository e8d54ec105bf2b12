// A certificate forge: builds X.509 certificates field by field at the ASN.1 level
// (@peculiar/asn1-x509 classes for the TBSCertificate, a few hand-written DER bytes for
// the outer SEQUENCE), signs them with node:crypto, and lets a test break any RFC 5280
// rule: versions, serials, empty names, raw extensions, unloadable public keys, weak or
// mismatched signature algorithms, non-DER signatures. Unlike ca.ts, nothing is checked.
import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  AuthorityKeyIdentifier,
  BasicConstraints,
  ExtendedKeyUsage,
  Extension,
  Extensions,
  GeneralName,
  GeneralSubtree,
  GeneralSubtrees,
  KeyIdentifier,
  KeyUsage,
  Name,
  NameConstraints,
  RelativeDistinguishedName,
  SubjectAlternativeName,
  SubjectKeyIdentifier,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
} from "@peculiar/asn1-x509";
import { Buffer } from "node:buffer";
import {
  constants,
  createHash,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  sign,
  X509Certificate,
} from "node:crypto";
import { TrustDomain, X509Bundle } from "../../mod.ts";

/** Key usage bits (RFC 5280 §4.2.1.3, bit 0 = digitalSignature). */
export const KU = {
  digitalSignature: 1,
  keyEncipherment: 4,
  keyAgreement: 16,
  keyCertSign: 32,
  cRLSign: 64,
} as const;
export const EKU = { serverAuth: "1.3.6.1.5.5.7.3.1", clientAuth: "1.3.6.1.5.5.7.3.2" };

export type Hash = "md5" | "sha1" | "sha256" | "sha384" | "sha512";

/** A name constraint subtree; `ip` takes CIDR ("10.0.0.0/8"), `directoryName` "CN=...". */
export type GeneralNameSpec =
  | { dns: string }
  | { uri: string }
  | { ip: string }
  | { email: string }
  | { directoryName: string };

/** Who signs: a private key, the issuer name it signs as, and the key for the AKI. */
export interface Signer {
  key: KeyObject;
  /** The issuer Name ("CN=..."); `null` for an empty Name. */
  subject: string | null;
  /** The signer's public key (or raw SPKI) for the authority key identifier. */
  spki?: KeyObject | Uint8Array;
}

export interface ForgeOptions {
  /** 0 = v1, 1 = v2, 2 = v3 (default), 3+ unknown. */
  version?: number;
  /** Raw INTEGER content bytes (allows negative 0x80.., 21+ octets); default 16 random. */
  serial?: Uint8Array;
  /** "CN=..., O=..." or `null` for an empty Name; default the signer's subject. */
  issuer?: string | null;
  /** `null` for an empty Name; default a unique "CN=forged N". */
  subject?: string | null;
  notBefore?: Date;
  notAfter?: Date;
  /** The subject key, or raw SPKI DER; default the signer's own key (self-signed). */
  publicKey?: KeyObject | Uint8Array;
  /** Raw extensions, appended after the convenience ones. */
  extensions?: { oid: string; critical?: boolean; value: Uint8Array }[];
  isCA?: boolean;
  pathLength?: number;
  /** `false` omits basicConstraints (otherwise critical, cA = isCA). */
  basicConstraints?: false;
  /** Key usage bits (critical); `null` omits; default keyCertSign|cRLSign or digitalSignature. */
  keyUsage?: number | null;
  /** EKU OIDs; `null` omits; default serverAuth+clientAuth for non-CAs, none for CAs. */
  extKeyUsage?: string[] | null;
  uris?: string[];
  dnsNames?: string[];
  ips?: string[];
  emails?: string[];
  /** Mark the SAN extension critical (default false). */
  sanCritical?: boolean;
  /** Critical nameConstraints extension. */
  nameConstraints?: { permitted?: GeneralNameSpec[]; excluded?: GeneralNameSpec[] };
  /** Raw key identifier, or `null` to omit; default SHA-1 of the subject public key. */
  subjectKeyId?: Uint8Array | null;
  /** Raw key identifier, or `null` to omit; default from `signer.spki` unless self-signed. */
  authorityKeyId?: Uint8Array | null;
  signer: Signer;
  /** Default: sha256 (RSA, P-256), sha384 (P-384), sha512 (P-521); ignored for Ed25519. */
  hash?: Hash;
  /** Raw DER AlgorithmIdentifier for the TBSCertificate `signature` field. */
  innerAlgorithm?: Uint8Array;
  /** Raw DER AlgorithmIdentifier for the outer `signatureAlgorithm` field. */
  outerAlgorithm?: Uint8Array;
  /** Encode the ECDSA algorithm identifiers (inner and outer) with NULL parameters. */
  ecdsaNullParams?: boolean;
  /**
   * Give the signature BIT STRING this many unused bits (default 0): a zero octet is
   * appended to the signature, so the padding bits are zero and the BIT STRING stays DER.
   */
  signatureUnusedBits?: number;
  /**
   * Re-encode the ECDSA signature as BER: `true`/`"length"` gives its SEQUENCE a
   * long-form length one octet longer than needed, `"integer"` pads `r` with a zero octet.
   */
  berSignature?: boolean | "length" | "integer";
  /** Sign with RSASSA-PSS (hash `hash`, MGF1 with the same hash); automatic for rsa-pss keys. */
  rsaPss?: { saltLength: number };
}

/** A forged certificate. */
export interface Forged {
  der: Uint8Array;
  /** node:crypto's view, `undefined` when node:crypto refuses to parse the DER. */
  cert: X509Certificate | undefined;
  /** The subject private key, when the forge knows it. */
  key?: KeyObject;
  subject: string | null;
  /** The subject public key info, DER. */
  spki: Uint8Array;
}

export interface KeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export const ecKeys = (curve: "P-256" | "P-384" | "P-521" = "P-256"): KeyPair =>
  generateKeyPairSync("ec", { namedCurve: curve });
export const rsaKeys = (modulusLength = 2048): KeyPair =>
  generateKeyPairSync("rsa", { modulusLength });
export const rsaPssKeys = (modulusLength = 2048): KeyPair =>
  generateKeyPairSync("rsa-pss", { modulusLength });
export const ed25519Keys = (): KeyPair => generateKeyPairSync("ed25519");

/** The signer for certificates issued by `cert` (which must have a known key). */
export function signerOf(cert: Forged): Signer {
  if (cert.key === undefined) throw new Error("forge: the certificate's key is unknown");
  return { key: cert.key, subject: cert.subject, spki: cert.spki };
}

// --- DER bytes -------------------------------------------------------------------------

const concat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));

function lengthOctets(n: number, extra = 0): Uint8Array {
  if (n < 0x80 && extra === 0) return new Uint8Array([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  for (let i = 0; i < extra; i++) bytes.unshift(0);
  return new Uint8Array([0x80 | bytes.length, ...bytes]);
}

/** One DER TLV; `extraLength` adds zero octets to a long-form length (BER). */
export function tlv(tag: number, content: Uint8Array, extraLength = 0): Uint8Array {
  return concat(new Uint8Array([tag]), lengthOctets(content.length, extraLength), content);
}

function oidContent(oid: string): Uint8Array {
  const arcs = oid.split(".").map(Number);
  const out: number[] = [];
  for (const arc of [arcs[0] * 40 + arcs[1], ...arcs.slice(2)]) {
    const chunk = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift(0x80 | v);
    out.push(...chunk);
  }
  return new Uint8Array(out);
}

const DER_NULL = new Uint8Array([5, 0]);
const hexBytes = (hex: string) => new Uint8Array(Buffer.from(hex, "hex"));

/** A DER AlgorithmIdentifier; `parameters` are raw DER (e.g. `[5, 0]` for NULL). */
export function algorithmIdentifier(oid: string, parameters?: Uint8Array): Uint8Array {
  return tlv(0x30, concat(tlv(0x06, oidContent(oid)), parameters ?? new Uint8Array()));
}

/** Signature algorithm OIDs. */
export const SIG = {
  "md5-rsa": "1.2.840.113549.1.1.4",
  "sha1-rsa": "1.2.840.113549.1.1.5",
  "sha256-rsa": "1.2.840.113549.1.1.11",
  "sha384-rsa": "1.2.840.113549.1.1.12",
  "sha512-rsa": "1.2.840.113549.1.1.13",
  "rsa-pss": "1.2.840.113549.1.1.10",
  "sha1-ecdsa": "1.2.840.10045.4.1",
  "sha256-ecdsa": "1.2.840.10045.4.3.2",
  "sha384-ecdsa": "1.2.840.10045.4.3.3",
  "sha512-ecdsa": "1.2.840.10045.4.3.4",
  ed25519: "1.3.101.112",
} as const;

const HASH_OID: Record<Hash, string> = {
  md5: "1.2.840.113549.2.5",
  sha1: "1.3.14.3.2.26",
  sha256: "2.16.840.1.101.3.4.2.1",
  sha384: "2.16.840.1.101.3.4.2.2",
  sha512: "2.16.840.1.101.3.4.2.3",
};

// --- Raw public keys node:crypto cannot load, or must not be used ----------------------

/** SubjectPublicKeyInfo DER with `algorithm` (raw AlgorithmIdentifier) and key bits. */
export function rawSpki(algorithm: Uint8Array, key: Uint8Array): Uint8Array {
  return tlv(0x30, concat(algorithm, tlv(0x03, concat(new Uint8Array([0]), key))));
}

const EC_PUBLIC_KEY = "1.2.840.10045.2.1";
/** The base points of the curves: points that really are on the curve. */
const CURVES = {
  secp256k1: [
    "1.3.132.0.10",
    "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798" +
    "483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8",
  ],
  brainpoolP256r1: [
    "1.3.36.3.3.2.8.1.1.7",
    "8bd2aeb9cb7e57cb2c4b482ffc81b7afb9de27e1e3bd23c23a4453bd9ace3262" +
    "547ef835c3dac4fd97f8461a14611dc9c27745132ded8e545c1d54c72f046997",
  ],
  "P-224": [
    "1.3.132.0.33",
    "b70e0cbd6bb4bf7f321390b94a03c1d356c21122343280d6115c1d21" +
    "bd376388b5f723fb4c22dfe6cd4375a05a07476444d5819985007e34",
  ],
} as const;

export type UnloadableKind = keyof typeof CURVES | "unknown";
export const UNLOADABLE_KINDS: readonly UnloadableKind[] = [
  "secp256k1",
  "brainpoolP256r1",
  "P-224",
  "unknown",
];
/** The OID used for the "unknown" public key algorithm. */
export const UNKNOWN_KEY_OID = "1.3.6.1.4.1.99999.7.1";

/** A hand-built SPKI: an EC point on secp256k1 / brainpoolP256r1 / P-224, or an unknown OID. */
export function unloadableSpki(kind: UnloadableKind): Uint8Array {
  if (kind === "unknown") {
    return rawSpki(algorithmIdentifier(UNKNOWN_KEY_OID, DER_NULL), randomBytes(64));
  }
  const [curve, point] = CURVES[kind];
  return rawSpki(
    algorithmIdentifier(EC_PUBLIC_KEY, tlv(0x06, oidContent(curve))),
    concat(new Uint8Array([4]), hexBytes(point)),
  );
}

// --- Building ----------------------------------------------------------------------------

const ATTRIBUTES: Record<string, string> = {
  CN: "2.5.4.3",
  C: "2.5.4.6",
  L: "2.5.4.7",
  ST: "2.5.4.8",
  O: "2.5.4.10",
  OU: "2.5.4.11",
  SERIALNUMBER: "2.5.4.5",
  DC: "0.9.2342.19200300.100.1.25",
};

/** "CN=a, O=b" (no escaping; one attribute per RDN) or `null` to a Name. */
function parseName(text: string | null): Name {
  if (text === null || text === "") return new Name([]);
  return new Name(
    text.split(/,\s*/).map((part) => {
      const eq = part.indexOf("=");
      const key = part.slice(0, eq).trim().toUpperCase();
      const value = part.slice(eq + 1);
      const type = ATTRIBUTES[key];
      if (type === undefined || eq < 0) throw new Error(`forge: unknown name attribute ${part}`);
      const attr = key === "C"
        ? new AttributeValue({ printableString: value })
        : key === "DC"
        ? new AttributeValue({ ia5String: value })
        : new AttributeValue({ utf8String: value });
      return new RelativeDistinguishedName([new AttributeTypeAndValue({ type, value: attr })]);
    }),
  );
}

function generalName(spec: GeneralNameSpec): GeneralName {
  if ("dns" in spec) return new GeneralName({ dNSName: spec.dns });
  if ("uri" in spec) return new GeneralName({ uniformResourceIdentifier: spec.uri });
  if ("ip" in spec) return new GeneralName({ iPAddress: spec.ip });
  if ("email" in spec) return new GeneralName({ rfc822Name: spec.email });
  return new GeneralName({ directoryName: parseName(spec.directoryName) });
}

function spkiDer(key: KeyObject | Uint8Array): Uint8Array {
  if (key instanceof Uint8Array) return key;
  const pub = key.type === "private" ? createPublicKey(key) : key;
  return new Uint8Array(pub.export({ type: "spki", format: "der" }));
}

/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits. */
export function keyIdentifier(spki: Uint8Array): Uint8Array {
  const info = AsnConvert.parse(spki, SubjectPublicKeyInfo);
  return new Uint8Array(createHash("sha1").update(new Uint8Array(info.subjectPublicKey)).digest());
}

let counter = 0;

function defaultSerial(): Uint8Array {
  const serial = randomBytes(16);
  serial[0] = (serial[0] & 0x3f) | 0x01; // positive, minimal
  return new Uint8Array(serial);
}

interface Scheme {
  algorithm: Uint8Array;
  sign(tbs: Uint8Array): Uint8Array;
}

function pssParams(hash: Hash, saltLength: number): Uint8Array {
  const hashAlg = algorithmIdentifier(HASH_OID[hash], DER_NULL);
  return tlv(
    0x30,
    concat(
      tlv(0xa0, hashAlg),
      tlv(0xa1, algorithmIdentifier("1.2.840.113549.1.1.8", hashAlg)),
      tlv(0xa2, tlv(0x02, new Uint8Array([saltLength]))),
    ),
  );
}

function scheme(options: ForgeOptions): Scheme {
  const key = options.signer.key;
  const type = key.asymmetricKeyType;
  if (type === "ed25519") {
    return {
      algorithm: algorithmIdentifier(SIG.ed25519),
      sign: (tbs) => new Uint8Array(sign(null, tbs, key)),
    };
  }
  if (type === "ec") {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    const hash = options.hash ??
      (curve === "secp384r1" ? "sha384" : curve === "secp521r1" ? "sha512" : "sha256");
    const oid = SIG[`${hash}-ecdsa` as keyof typeof SIG];
    if (oid === undefined) throw new Error(`forge: no ECDSA algorithm for ${hash}`);
    return {
      algorithm: algorithmIdentifier(oid, options.ecdsaNullParams ? DER_NULL : undefined),
      sign: (tbs) => new Uint8Array(sign(hash, tbs, { key, dsaEncoding: "der" })),
    };
  }
  if (type === "rsa" || type === "rsa-pss") {
    const hash = options.hash ?? "sha256";
    const pss = options.rsaPss ?? (type === "rsa-pss" ? { saltLength: 32 } : undefined);
    if (pss !== undefined) {
      return {
        algorithm: algorithmIdentifier(SIG["rsa-pss"], pssParams(hash, pss.saltLength)),
        sign: (tbs) =>
          new Uint8Array(
            sign(hash, tbs, {
              key,
              padding: constants.RSA_PKCS1_PSS_PADDING,
              saltLength: pss.saltLength,
            }),
          ),
      };
    }
    return {
      algorithm: algorithmIdentifier(SIG[`${hash}-rsa`], DER_NULL),
      sign: (tbs) => new Uint8Array(sign(hash, tbs, key)),
    };
  }
  throw new Error(`forge: unsupported signer key type ${type}`);
}

/** Re-encodes a DER ECDSA-Sig-Value non-minimally. */
function berEncode(sig: Uint8Array, how: "length" | "integer"): Uint8Array {
  // SEQUENCE { INTEGER r, INTEGER s }, parsed from minimal DER.
  let offset = sig[1] & 0x80 ? 2 + (sig[1] & 0x7f) : 2;
  const ints: Uint8Array[] = [];
  while (offset < sig.length) {
    const len = sig[offset + 1];
    ints.push(sig.subarray(offset + 2, offset + 2 + len));
    offset += 2 + len;
  }
  const [r, s] = ints;
  if (how === "integer") {
    return tlv(0x30, concat(tlv(0x02, concat(new Uint8Array([0]), r)), tlv(0x02, s)));
  }
  return tlv(0x30, concat(tlv(0x02, r), tlv(0x02, s)), 1);
}

function extension(oid: string, critical: boolean, value: ArrayBuffer | Uint8Array): Extension {
  return new Extension({
    extnID: oid,
    critical,
    extnValue: new OctetString(value instanceof Uint8Array ? value : new Uint8Array(value)),
  });
}

/** Forges one certificate exactly as `options` say. */
export function forge(options: ForgeOptions): Forged {
  const signer = options.signer;
  const selfSigned = options.publicKey === undefined;
  const spki = spkiDer(options.publicKey ?? signer.key);
  const subject = options.subject === undefined ? `CN=forged ${++counter}` : options.subject;
  const isCA = options.isCA ?? false;

  const exts: Extension[] = [];
  if (options.basicConstraints !== false) {
    const bc = new BasicConstraints({ cA: isCA, pathLenConstraint: options.pathLength });
    exts.push(extension("2.5.29.19", true, AsnConvert.serialize(bc)));
  }
  const keyUsage = options.keyUsage === undefined
    ? (isCA ? KU.keyCertSign | KU.cRLSign : KU.digitalSignature)
    : options.keyUsage;
  if (keyUsage !== null) {
    exts.push(extension("2.5.29.15", true, AsnConvert.serialize(new KeyUsage(keyUsage))));
  }
  const eku = options.extKeyUsage === undefined
    ? (isCA ? null : [EKU.serverAuth, EKU.clientAuth])
    : options.extKeyUsage;
  if (eku !== null) {
    exts.push(extension("2.5.29.37", false, AsnConvert.serialize(new ExtendedKeyUsage(eku))));
  }
  const sans = [
    ...(options.uris ?? []).map((uri) => ({ uri })),
    ...(options.dnsNames ?? []).map((dns) => ({ dns })),
    ...(options.ips ?? []).map((ip) => ({ ip })),
    ...(options.emails ?? []).map((email) => ({ email })),
  ].map(generalName);
  if (sans.length > 0) {
    exts.push(
      extension(
        "2.5.29.17",
        options.sanCritical ?? false,
        AsnConvert.serialize(new SubjectAlternativeName(sans)),
      ),
    );
  }
  if (options.nameConstraints !== undefined) {
    const trees = (specs?: GeneralNameSpec[]) =>
      specs === undefined || specs.length === 0 ? undefined : new GeneralSubtrees(
        specs.map((spec) => new GeneralSubtree({ base: generalName(spec) })),
      );
    const nc = new NameConstraints({
      permittedSubtrees: trees(options.nameConstraints.permitted),
      excludedSubtrees: trees(options.nameConstraints.excluded),
    });
    exts.push(extension("2.5.29.30", true, AsnConvert.serialize(nc)));
  }
  const ski = options.subjectKeyId === undefined ? keyIdentifier(spki) : options.subjectKeyId;
  if (ski !== null) {
    const value = AsnConvert.serialize(new SubjectKeyIdentifier(ski));
    exts.push(extension("2.5.29.14", false, value));
  }
  const aki = options.authorityKeyId !== undefined
    ? options.authorityKeyId
    : selfSigned
    ? null
    : keyIdentifier(spkiDer(signer.spki ?? signer.key));
  if (aki !== null) {
    const value = new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(aki) });
    exts.push(extension("2.5.29.35", false, AsnConvert.serialize(value)));
  }
  for (const ext of options.extensions ?? []) {
    exts.push(extension(ext.oid, ext.critical ?? false, ext.value));
  }

  const sch = scheme(options);
  const inner = options.innerAlgorithm ?? sch.algorithm;
  const outer = options.outerAlgorithm ?? sch.algorithm;
  const innerAlgorithm = AsnConvert.parse(inner, AlgorithmIdentifier);
  const tbsCertificate = new TBSCertificate({
    version: options.version ?? 2,
    serialNumber: (options.serial ?? defaultSerial()).slice().buffer,
    signature: innerAlgorithm,
    issuer: parseName(options.issuer === undefined ? signer.subject : options.issuer),
    validity: new Validity({
      notBefore: options.notBefore ?? new Date(Date.now() - 3600_000),
      notAfter: options.notAfter ?? new Date(Date.now() + 3600_000),
    }),
    subject: parseName(subject),
    subjectPublicKeyInfo: AsnConvert.parse(spki, SubjectPublicKeyInfo),
    extensions: exts.length > 0 ? new Extensions(exts) : undefined,
  });
  const tbs = new Uint8Array(AsnConvert.serialize(tbsCertificate));
  if (!Buffer.from(tbs).includes(Buffer.from(inner))) {
    throw new Error("forge: innerAlgorithm does not survive re-encoding");
  }
  let signature = sch.sign(tbs);
  if (options.berSignature) {
    if (signer.key.asymmetricKeyType !== "ec") throw new Error("forge: BER needs ECDSA");
    signature = berEncode(
      signature,
      options.berSignature === true ? "length" : options.berSignature,
    );
  }
  const unused = options.signatureUnusedBits ?? 0;
  if (unused > 0) signature = concat(signature, new Uint8Array([0]));
  const bits = tlv(0x03, concat(new Uint8Array([unused]), signature));
  const der = tlv(0x30, concat(tbs, outer, bits));
  let cert: X509Certificate | undefined;
  try {
    cert = new X509Certificate(der);
  } catch {
    cert = undefined;
  }
  const key = selfSigned
    ? signer.key
    : options.publicKey instanceof Uint8Array || options.publicKey?.type !== "private"
    ? undefined
    : options.publicKey;
  return { der, cert, key, subject, spki };
}

/** Forges with `keys` (default a fresh P-256 pair) as the subject key, unless `publicKey` is set. */
export function forgeWith(options: ForgeOptions, keys: KeyPair = ecKeys()): Forged {
  if (options.publicKey !== undefined) return forge(options); // an explicit key wins
  const forged = forge({ ...options, publicKey: keys.publicKey });
  return { ...forged, key: keys.privateKey };
}

export interface SvidChainOptions {
  /** Include an intermediate CA between root and leaf (default true). */
  intermediate?: boolean;
  /** The leaf's SPIFFE ID (default spiffe://example.org/workload). */
  id?: string;
  /** Key pair factory for all three certificates (default P-256). */
  keys?: () => KeyPair;
  root?: Partial<ForgeOptions>;
  intermediateOptions?: Partial<ForgeOptions>;
  leaf?: Partial<ForgeOptions>;
}

export interface SvidChain {
  root: Forged;
  intermediate?: Forged;
  leaf: Forged;
  /** The presented chain: leaf, then the intermediate if any. */
  chain: Uint8Array[];
  /** A bundle holding the root, for the leaf ID's trust domain. */
  bundle: X509Bundle;
}

/**
 * A conformant SVID chain: a self-signed root (keyCertSign+cRLSign, critical CA
 * basicConstraints, SKI), optionally an intermediate, and a leaf with one URI SAN,
 * digitalSignature, serverAuth+clientAuth and AKI/SKI. Every part can be overridden.
 */
export function forgeSvidChain(options: SvidChainOptions = {}): SvidChain {
  const keys = options.keys ?? (() => ecKeys());
  const id = options.id ?? "spiffe://example.org/workload";
  const trustDomain = new URL(id).host;
  const rootKeys = keys();
  const rootSubject = `CN=forged root ${++counter}`;
  const root = forge({
    subject: rootSubject,
    isCA: true,
    signer: { key: rootKeys.privateKey, subject: rootSubject },
    ...options.root,
  });
  let issuer = root;
  let intermediate: Forged | undefined;
  if (options.intermediate !== false) {
    intermediate = forgeWith({
      subject: `CN=forged intermediate ${++counter}`,
      isCA: true,
      uris: [`spiffe://${trustDomain}`],
      signer: signerOf(root),
      ...options.intermediateOptions,
    }, keys());
    issuer = intermediate;
  }
  const leaf = forgeWith({
    subject: `CN=forged leaf ${++counter}`,
    uris: [id],
    signer: signerOf(issuer),
    ...options.leaf,
  }, keys());
  if (root.cert === undefined) throw new Error("forge: node:crypto cannot parse the root");
  return {
    root,
    intermediate,
    leaf,
    chain: intermediate ? [leaf.der, intermediate.der] : [leaf.der],
    bundle: X509Bundle.fromAuthorities(TrustDomain.parse(trustDomain), [root.cert]),
  };
}
