import {
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  type X509Certificate,
} from "node:crypto";
import { Buffer } from "node:buffer";
import { defineInspect, describeKey, serialNumber } from "../_internal/inspect.ts";
import { errorMessage, X509SvidError, type X509SvidErrorReason } from "../errors.ts";
import type { SpiffeId } from "../spiffeid/spiffe_id.ts";
import { splitDerCertificates } from "../_internal/der.ts";
import { decodePemBody, encodePemCertificates, findPemBlocks } from "../_internal/pem.ts";
import {
  EKU_CLIENT_AUTH,
  EKU_SERVER_AUTH,
  KeyUsageBit,
  parseCertificate,
  type ParsedCertificate,
} from "./_certificate.ts";
import { idFromCertificate } from "./_leaf.ts";

/** Options of {@linkcode X509Svid.parse} and {@linkcode X509Svid.parseRaw}. */
export interface X509SvidParseOptions {
  /**
   * The operator's hint for this SVID, as the Workload API delivers it.
   *
   * @default {""}
   */
  hint?: string;
}

/** A workload's own X509-SVID in PEM, as {@linkcode X509Svid.marshal} writes it. */
export interface X509SvidPem {
  /** The chain, leaf first, as PEM `CERTIFICATE` blocks. */
  certificates: string;
  /** The PKCS#8 private key as a PEM `PRIVATE KEY` block. */
  privateKey: string;
}

/** A workload's own X509-SVID in DER, as the Workload API carries it. */
export interface X509SvidDer {
  /** The chain, leaf first, as concatenated DER certificates. */
  certificates: Uint8Array;
  /** The unencrypted PKCS#8 private key. */
  privateKey: Uint8Array;
}

/** Anything that can hand out the current X509-SVID (an SVID, or a live source). */
export interface X509SvidSource {
  /**
   * The current X509-SVID.
   *
   * @returns The SVID.
   */
  getX509Svid(): X509Svid;
}

const SUPPORTED_KEY_TYPES = new Set(["ec", "rsa", "ed25519"]);

/**
 * A workload's own X509-SVID: its SPIFFE ID, certificate chain (leaf first) and private
 * key. Parsing enforces every rule the SPIFFE standard sets for an SVID (exactly one URI
 * SAN with a non-root SPIFFE ID; a leaf that is not a CA, has digitalSignature and neither
 * keyCertSign nor cRLSign, and lists serverAuth and clientAuth when it has extended key
 * usages; signing certificates that are CAs with keyCertSign; a key matching the leaf).
 * Like go-spiffe's `Parse`, it does not check validity dates or build a chain to a bundle.
 *
 * Supported keys: EC (P-256, P-384, P-521), RSA and Ed25519.
 *
 * An `X509Svid` is itself an {@linkcode X509SvidSource} that always returns itself.
 *
 * In `console.log`, `Deno.inspect` and Node's `util.inspect` it shows its ID, hint, validity,
 * the leaf's serial number, the chain length and the key type, never the key itself:
 * `X509Svid { id: SpiffeId(spiffe://example.org/server), hint: "", notBefore: 2025-01-01T00:00:00.000Z,
 * expiresAt: 2025-01-01T01:00:00.000Z, serialNumber: "0A1B", chainLength: 2, keyType: "EC P-256" }`.
 *
 * @example Loading an SVID from PEM files
 * ```ts ignore
 * import { X509Svid } from "@spiffe-ts/spiffe";
 *
 * const svid = X509Svid.parse(
 *   await Deno.readTextFile("svid.pem"),
 *   await Deno.readTextFile("svid_key.pem"),
 * );
 * console.log(svid.id.toString(), svid.expiresAt);
 * ```
 */
export class X509Svid implements X509SvidSource {
  static {
    defineInspect(this, "X509Svid", (svid) => ({
      id: svid.#id,
      hint: svid.#hint,
      notBefore: new Date(svid.#notBefore),
      expiresAt: svid.expiresAt,
      serialNumber: serialNumber(svid.#certificates[0]),
      chainLength: svid.#certificates.length,
      keyType: describeKey(svid.#privateKey),
    }));
  }

  readonly #id: SpiffeId;
  readonly #certificates: readonly X509Certificate[];
  readonly #privateKey: KeyObject;
  readonly #hint: string;
  readonly #expiresAt: Date;
  readonly #notBefore: number;

  private constructor(
    id: SpiffeId,
    chain: readonly ParsedCertificate[],
    privateKey: KeyObject,
    hint: string,
  ) {
    this.#id = id;
    this.#certificates = Object.freeze(chain.map((cert) => cert.x509));
    this.#privateKey = privateKey;
    this.#hint = hint;
    this.#expiresAt = new Date(chain[0].notAfter);
    this.#notBefore = chain[0].notBefore;
  }

  /**
   * Parses an SVID from PEM: one or more `CERTIFICATE` blocks (leaf first) and a
   * `PRIVATE KEY` (unencrypted PKCS#8) block.
   *
   * @param certsPem The certificate chain in PEM.
   * @param keyPem The private key in PEM.
   * @param options `hint`: the SVID's hint.
   * @returns The SVID.
   * @throws {X509SvidError} e.g. `x509svid: cannot parse PEM encoded certificate: no PEM
   * blocks found`, or `x509svid: certificate validation failed: leaf certificate must not
   * have CA flag set to true`.
   *
   * @example
   * ```ts ignore
   * import { X509Svid } from "@spiffe-ts/spiffe";
   *
   * declare const certsPem: string, keyPem: string;
   * const svid = X509Svid.parse(certsPem, keyPem);
   * ```
   */
  static parse(
    certsPem: string | Uint8Array,
    keyPem: string | Uint8Array,
    options: X509SvidParseOptions = {},
  ): X509Svid {
    const certs = readPem(certsPem, "CERTIFICATE", "certificate").map((der) =>
      parseOrThrow(
        () => parseCertificate(der),
        "cannot parse PEM encoded certificate",
        "malformed-certificate",
      )
    );
    const [keyDer] = readPem(keyPem, "PRIVATE KEY", "private key");
    const key = parseOrThrow(
      () => pkcs8(keyDer),
      "cannot parse PEM encoded private key",
      "malformed-private-key",
    );
    return X509Svid.#validated(certs, key, options);
  }

  /**
   * Parses an SVID in the Workload API's form: concatenated DER certificates (leaf first)
   * and an unencrypted PKCS#8 DER private key.
   *
   * @param certsDer The chain as concatenated DER.
   * @param keyDer The PKCS#8 private key.
   * @param options `hint`: the SVID's hint.
   * @returns The SVID.
   * @throws {X509SvidError} e.g. `x509svid: cannot parse DER encoded private key: ...`,
   * `x509svid: private key validation failed: leaf certificate does not match private key`.
   *
   * @example
   * ```ts ignore
   * import { X509Svid } from "@spiffe-ts/spiffe";
   *
   * declare const certsDer: Uint8Array, keyDer: Uint8Array;
   * const svid = X509Svid.parseRaw(certsDer, keyDer, { hint: "internal" });
   * ```
   */
  static parseRaw(
    certsDer: Uint8Array,
    keyDer: Uint8Array,
    options: X509SvidParseOptions = {},
  ): X509Svid {
    const certs = parseOrThrow(
      () => splitDerCertificates(certsDer).map((der) => parseCertificate(der)),
      "cannot parse DER encoded certificate",
      "malformed-certificate",
    );
    const key = parseOrThrow(
      () => pkcs8(keyDer),
      "cannot parse DER encoded private key",
      "malformed-private-key",
    );
    return X509Svid.#validated(certs, key, options);
  }

  static #validated(
    chain: ParsedCertificate[],
    privateKey: KeyObject,
    options: X509SvidParseOptions,
  ): X509Svid {
    let id: SpiffeId;
    try {
      id = validateChain(chain);
    } catch (err) {
      throw new X509SvidError(`x509svid: certificate validation failed: ${errorMessage(err)}`, {
        cause: err,
        reason: chain.length === 0 ? "no-certificates" : "invalid-certificate",
      });
    }
    try {
      validatePrivateKey(privateKey, chain[0].x509);
    } catch (err) {
      throw new X509SvidError(`x509svid: private key validation failed: ${errorMessage(err)}`, {
        cause: err,
        reason: "invalid-private-key",
      });
    }
    return new X509Svid(id, chain, privateKey, options.hint ?? "");
  }

  /** The SPIFFE ID of the SVID. */
  get id(): SpiffeId {
    return this.#id;
  }

  /** The certificate chain, leaf first. */
  get certificates(): readonly X509Certificate[] {
    return this.#certificates;
  }

  /** The private key of the leaf certificate. */
  get privateKey(): KeyObject {
    return this.#privateKey;
  }

  /** The operator's hint for the SVID (`""` when none was given). */
  get hint(): string {
    return this.#hint;
  }

  /** When the leaf certificate expires. */
  get expiresAt(): Date {
    return new Date(this.#expiresAt);
  }

  /**
   * This SVID, so that an `X509Svid` serves where an {@linkcode X509SvidSource} is wanted.
   *
   * @returns `this`.
   *
   * @example
   * ```ts ignore
   * import type { X509Svid } from "@spiffe-ts/spiffe";
   *
   * declare const svid: X509Svid;
   * console.log(svid.getX509Svid() === svid); // true
   * ```
   */
  getX509Svid(): X509Svid {
    return this;
  }

  /**
   * The SVID in PEM.
   *
   * @returns The chain and the PKCS#8 key as PEM text.
   *
   * @example
   * ```ts ignore
   * import type { X509Svid } from "@spiffe-ts/spiffe";
   *
   * declare const svid: X509Svid;
   * const { certificates, privateKey } = svid.marshal();
   * ```
   */
  marshal(): X509SvidPem {
    return {
      certificates: encodePemCertificates(this.#certificates.map((cert) => cert.raw)),
      privateKey: this.#privateKey.export({ format: "pem", type: "pkcs8" }).toString(),
    };
  }

  /**
   * The SVID in the Workload API's DER form.
   *
   * @returns The concatenated DER chain and the PKCS#8 DER key.
   *
   * @example
   * ```ts ignore
   * import { X509Svid } from "@spiffe-ts/spiffe";
   *
   * declare const svid: X509Svid;
   * const raw = svid.marshalRaw();
   * console.log(X509Svid.parseRaw(raw.certificates, raw.privateKey).id.equals(svid.id));
   * ```
   */
  marshalRaw(): X509SvidDer {
    return {
      certificates: new Uint8Array(Buffer.concat(this.#certificates.map((cert) => cert.raw))),
      privateKey: new Uint8Array(this.#privateKey.export({ format: "der", type: "pkcs8" })),
    };
  }
}

function readPem(
  input: string | Uint8Array,
  type: "CERTIFICATE" | "PRIVATE KEY",
  what: string,
): Uint8Array[] {
  const reason = type === "CERTIFICATE" ? "malformed-certificate" : "malformed-private-key";
  const text = typeof input === "string" ? input : new TextDecoder().decode(input);
  const bodies = findPemBlocks(text).filter((block) => block.type === type);
  if (bodies.length === 0) {
    throw new X509SvidError(`x509svid: cannot parse PEM encoded ${what}: no PEM blocks found`, {
      reason,
    });
  }
  return bodies.map((block) =>
    parseOrThrow(() => decodePemBody(block.body), `cannot parse PEM encoded ${what}`, reason)
  );
}

function parseOrThrow<T>(parse: () => T, context: string, reason: X509SvidErrorReason): T {
  try {
    return parse();
  } catch (err) {
    throw new X509SvidError(`x509svid: ${context}: ${errorMessage(err)}`, { cause: err, reason });
  }
}

function pkcs8(der: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.from(der), format: "der", type: "pkcs8" });
}

/** go-spiffe's certificate rules for an own SVID; throws with the bare reason. */
function validateChain(chain: readonly ParsedCertificate[]): SpiffeId {
  if (chain.length === 0) throw new Error("no certificates found");
  const [leaf, ...signers] = chain;
  let id: SpiffeId;
  try {
    id = idFromCertificate(leaf);
  } catch (err) {
    throw new Error(`cannot get leaf certificate SPIFFE ID: ${errorMessage(err)}`, { cause: err });
  }
  if (id.path === "") throw new Error("leaf certificate SPIFFE ID must have a non-root path");
  if (leaf.isCA) throw new Error("leaf certificate must not have CA flag set to true");
  const usage = leaf.keyUsage ?? 0;
  if ((usage & KeyUsageBit.digitalSignature) === 0) {
    throw new Error("leaf certificate must have 'digitalSignature' set as key usage");
  }
  if (usage & KeyUsageBit.keyCertSign) {
    throw new Error("leaf certificate must not have 'keyCertSign' set as key usage");
  }
  if (usage & KeyUsageBit.cRLSign) {
    throw new Error("leaf certificate must not have 'cRLSign' set as key usage");
  }
  const eku = leaf.extKeyUsage;
  if (eku !== undefined && !(eku.includes(EKU_SERVER_AUTH) && eku.includes(EKU_CLIENT_AUTH))) {
    throw new Error("leaf certificate extended key usage must include serverAuth and clientAuth");
  }
  for (const signer of signers) {
    if (!signer.isCA) throw new Error("signing certificate must have CA flag set to true");
    if (((signer.keyUsage ?? 0) & KeyUsageBit.keyCertSign) === 0) {
      throw new Error("signing certificate must have 'keyCertSign' set as key usage");
    }
  }
  return id;
}

function validatePrivateKey(key: KeyObject, leaf: X509Certificate): void {
  const type = key.asymmetricKeyType ?? key.type;
  if (!SUPPORTED_KEY_TYPES.has(type)) throw new Error(`unsupported private key type ${type}`);
  const fromKey = createPublicKey(key).export({ type: "spki", format: "der" });
  const fromLeaf = leaf.publicKey.export({ type: "spki", format: "der" });
  if (!Buffer.from(fromKey).equals(Buffer.from(fromLeaf))) {
    throw new Error("leaf certificate does not match private key");
  }
}
