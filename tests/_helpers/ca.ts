// A test certificate authority built on @peculiar/x509 and WebCrypto: it issues real
// certificates with every knob the SPIFFE rule tests need (CA flags, key usages, EKUs,
// URI SANs, validity, path lengths, name constraints, unknown critical extensions).
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { AsnConvert } from "@peculiar/asn1-schema";
import { GeneralName, GeneralSubtree, GeneralSubtrees, NameConstraints } from "@peculiar/asn1-x509";
import { Buffer } from "node:buffer";
import { createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";

x509.cryptoProvider.set(globalThis.crypto);

export type KeyAlgorithm = "P-256" | "P-384" | "RSA" | "Ed25519";

export const KU = x509.KeyUsageFlags;
export const EKU = { serverAuth: "1.3.6.1.5.5.7.3.1", clientAuth: "1.3.6.1.5.5.7.3.2" };

const HOUR = 3600_000;

export interface CertOptions {
  /** Subject common name; default a unique name. */
  commonName?: string;
  uris?: string[];
  dnsNames?: string[];
  /** Include basicConstraints (default true). */
  basicConstraints?: boolean;
  isCA?: boolean;
  pathLength?: number;
  /** Key usage flags; `null` omits the extension. */
  keyUsage?: number | null;
  keyUsageCritical?: boolean;
  /** EKU OIDs; `null` omits the extension. */
  extKeyUsage?: string[] | null;
  notBefore?: Date;
  notAfter?: Date;
  permittedUris?: string[];
  excludedUris?: string[];
  permittedEmails?: string[];
  unknownCriticalExtension?: boolean;
  keyAlgorithm?: KeyAlgorithm;
  /** Use this key pair instead of generating one. */
  keys?: CryptoKeyPair;
}

/** An issued certificate with its key in every form the tests need. */
export interface TestCert {
  cert: X509Certificate;
  der: Uint8Array;
  pem: string;
  keys: CryptoKeyPair;
  keyDer: Uint8Array;
  keyPem: string;
  privateKey: KeyObject;
}

let serial = 1;

function algorithmFor(kind: KeyAlgorithm): RsaHashedKeyGenParams | EcKeyGenParams | Algorithm {
  switch (kind) {
    case "P-256":
      return { name: "ECDSA", namedCurve: "P-256" };
    case "P-384":
      return { name: "ECDSA", namedCurve: "P-384" };
    case "RSA":
      return {
        name: "RSASSA-PKCS1-v1_5",
        modulusLength: 2048,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: "SHA-256",
      };
    case "Ed25519":
      return { name: "Ed25519" };
  }
}

function signingAlgorithm(key: CryptoKey): Algorithm & { hash?: string } {
  const name = key.algorithm.name;
  if (name === "ECDSA") {
    const curve = (key.algorithm as EcKeyAlgorithm).namedCurve;
    return { name, hash: curve === "P-384" ? "SHA-384" : "SHA-256" };
  }
  return { name };
}

export function generateKeys(kind: KeyAlgorithm = "P-256"): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey(algorithmFor(kind), true, ["sign", "verify"]) as Promise<
    CryptoKeyPair
  >;
}

function subtrees(uris: string[] = [], emails: string[] = []): GeneralSubtrees | undefined {
  const items = [
    ...uris.map((uri) =>
      new GeneralSubtree({ base: new GeneralName({ uniformResourceIdentifier: uri }) })
    ),
    ...emails.map((email) => new GeneralSubtree({ base: new GeneralName({ rfc822Name: email }) })),
  ];
  return items.length === 0 ? undefined : new GeneralSubtrees(items);
}

async function issue(
  options: CertOptions,
  issuer: { name: string; keys: CryptoKeyPair } | undefined,
): Promise<TestCert> {
  const keys = options.keys ?? await generateKeys(options.keyAlgorithm);
  const name = `CN=${options.commonName ?? `test ${serial}`}`;
  const extensions: x509.Extension[] = [];
  if (options.basicConstraints !== false) {
    extensions.push(
      new x509.BasicConstraintsExtension(options.isCA ?? false, options.pathLength, true),
    );
  }
  const defaultUsage = options.isCA
    ? KU.keyCertSign | KU.cRLSign
    : KU.digitalSignature | KU.keyEncipherment | KU.keyAgreement;
  const keyUsage = options.keyUsage === undefined ? defaultUsage : options.keyUsage;
  if (keyUsage !== null) {
    extensions.push(new x509.KeyUsagesExtension(keyUsage, options.keyUsageCritical ?? true));
  }
  const extKeyUsage = options.extKeyUsage === undefined
    ? (options.isCA ? null : [EKU.serverAuth, EKU.clientAuth])
    : options.extKeyUsage;
  if (extKeyUsage !== null) extensions.push(new x509.ExtendedKeyUsageExtension(extKeyUsage));
  const sans = [
    ...(options.uris ?? []).map((value) => ({ type: "url" as const, value })),
    ...(options.dnsNames ?? []).map((value) => ({ type: "dns" as const, value })),
  ];
  if (sans.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(sans, false));
  extensions.push(await x509.SubjectKeyIdentifierExtension.create(keys.publicKey));
  if (issuer) {
    extensions.push(await x509.AuthorityKeyIdentifierExtension.create(issuer.keys.publicKey));
  }
  const permitted = subtrees(options.permittedUris, options.permittedEmails);
  const excluded = subtrees(options.excludedUris);
  if (permitted || excluded) {
    const value = AsnConvert.serialize(
      new NameConstraints({ permittedSubtrees: permitted, excludedSubtrees: excluded }),
    );
    extensions.push(new x509.Extension("2.5.29.30", true, value));
  }
  if (options.unknownCriticalExtension) {
    extensions.push(new x509.Extension("1.3.6.1.4.1.99999.1", true, new Uint8Array([5, 0])));
  }
  const signer = issuer?.keys ?? keys;
  const generated = await x509.X509CertificateGenerator.create({
    serialNumber: (serial++).toString(16).padStart(4, "0"),
    subject: name,
    issuer: issuer?.name ?? name,
    notBefore: options.notBefore ?? new Date(Date.now() - HOUR),
    notAfter: options.notAfter ?? new Date(Date.now() + HOUR),
    signingAlgorithm: signingAlgorithm(signer.privateKey),
    publicKey: keys.publicKey,
    signingKey: signer.privateKey,
    extensions,
  });
  const der = new Uint8Array(generated.rawData);
  const keyDer = new Uint8Array(await crypto.subtle.exportKey("pkcs8", keys.privateKey));
  const privateKey = createPrivateKey({ key: Buffer.from(keyDer), format: "der", type: "pkcs8" });
  return {
    cert: new X509Certificate(der),
    der,
    pem: generated.toString("pem") + "\n",
    keys,
    keyDer,
    keyPem: privateKey.export({ format: "pem", type: "pkcs8" }).toString(),
    privateKey,
  };
}

/** A CA that issues intermediates and leaves; `cert` is its own certificate. */
export class TestCa {
  private constructor(readonly cert: TestCert, readonly name: string) {}

  /** A self-signed root CA; `trustDomain` puts `spiffe://<td>` in its URI SAN. */
  static async root(trustDomain = "example.org", options: CertOptions = {}): Promise<TestCa> {
    const commonName = options.commonName ?? `root ${trustDomain} ${serial}`;
    const cert = await issue(
      { uris: [`spiffe://${trustDomain}`], isCA: true, ...options, commonName },
      undefined,
    );
    return new TestCa(cert, `CN=${commonName}`);
  }

  /** An intermediate CA signed by this CA. */
  async intermediate(trustDomain = "example.org", options: CertOptions = {}): Promise<TestCa> {
    const commonName = options.commonName ?? `intermediate ${trustDomain} ${serial}`;
    const cert = await issue(
      { uris: [`spiffe://${trustDomain}`], isCA: true, ...options, commonName },
      { name: this.name, keys: this.cert.keys },
    );
    return new TestCa(cert, `CN=${commonName}`);
  }

  /** Any certificate signed by this CA, exactly as `options` say. */
  issue(options: CertOptions): Promise<TestCert> {
    return issue(options, { name: this.name, keys: this.cert.keys });
  }

  /** A conformant X509-SVID leaf for `id`, adjusted by `options`. */
  svid(id: string, options: CertOptions = {}): Promise<TestCert> {
    return this.issue({ uris: [id], ...options });
  }
}

/** Concatenates DER byte arrays (the Workload API's chain form). */
export function concatDer(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}
