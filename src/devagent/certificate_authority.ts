// The devagent's in-process certificate authority for one trust domain: a root (and,
// optionally, an intermediate) that issues spec-conformant X509-SVIDs, and an ES256 key
// that signs JWT-SVIDs. Authority rotation keeps retired roots and JWT keys in the
// bundle until the last SVID they signed has expired.
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { Buffer } from "node:buffer";
import {
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  sign,
  X509Certificate,
} from "node:crypto";
import type { SpiffeId } from "../spiffeid/spiffe_id.ts";
import type { TrustDomain } from "../spiffeid/trust_domain.ts";
import { X509Svid } from "../svid/x509_svid.ts";
import { X509Bundle } from "../bundle/x509_bundle.ts";
import { JwtBundle } from "../bundle/jwt_bundle.ts";
import { keyGenParams, type KeyType, signatureParams } from "./key_type.ts";

/** How long an authority (root or intermediate) is valid: 30 days. */
const AUTHORITY_TTL = 30 * 24 * 3600_000;
/** Certificates are back-dated this much to tolerate clock skew between processes. */
const BACKDATE = 60_000;

interface Signer {
  certificate: X509Certificate;
  name: string;
  keys: CryptoKeyPair;
}

interface Generation {
  root: Signer;
  /** Signs SVIDs: the intermediate when there is one, else the root. */
  issuer: Signer;
  chain: Uint8Array[];
  jwtKeyId: string;
  jwtKey: KeyObject;
  jwtPublicKey: KeyObject;
  /** When the last SVID or JWT this generation signed expires. */
  lastExpiry: number;
}

/** Options of {@linkcode CertificateAuthority.create}. */
export interface CertificateAuthorityOptions {
  /** The trust domain the authority issues for. */
  trustDomain: TrustDomain;
  /**
   * Key algorithm of the authorities and of issued SVIDs.
   *
   * @default {"ec-p256"}
   */
  keyType?: KeyType;
  /**
   * Whether SVIDs are issued by an intermediate CA below the root.
   *
   * @default {false}
   */
  intermediate?: boolean;
}

/**
 * A development CA for one trust domain. Not for production: keys live in memory.
 *
 * @example
 * ```ts ignore
 * import { CertificateAuthority } from "@spiffe-ts/spiffe/devagent";
 * import { SpiffeId, TrustDomain } from "@spiffe-ts/spiffe";
 *
 * const ca = await CertificateAuthority.create({ trustDomain: TrustDomain.parse("example.org") });
 * const svid = await ca.issueX509Svid(SpiffeId.parse("spiffe://example.org/server"), 3600_000);
 * ```
 */
export class CertificateAuthority {
  readonly #trustDomain: TrustDomain;
  readonly #keyType: KeyType;
  readonly #intermediate: boolean;
  #current: Generation;
  #prepared: Generation | undefined;
  #retired: Generation[] = [];
  #serial = 1n;

  private constructor(options: Required<CertificateAuthorityOptions>, first: Generation) {
    this.#trustDomain = options.trustDomain;
    this.#keyType = options.keyType;
    this.#intermediate = options.intermediate;
    this.#current = first;
  }

  /**
   * Creates a CA with a fresh root (and intermediate, if asked).
   *
   * @param options The trust domain, key type and intermediate switch.
   * @returns The CA.
   *
   * @example
   * ```ts ignore
   * import { CertificateAuthority } from "@spiffe-ts/spiffe/devagent";
   * import { TrustDomain } from "@spiffe-ts/spiffe";
   *
   * const ca = await CertificateAuthority.create({
   *   trustDomain: TrustDomain.parse("example.org"),
   *   keyType: "ec-p384",
   *   intermediate: true,
   * });
   * ```
   */
  static async create(options: CertificateAuthorityOptions): Promise<CertificateAuthority> {
    const resolved = {
      trustDomain: options.trustDomain,
      keyType: options.keyType ?? "ec-p256",
      intermediate: options.intermediate ?? false,
    };
    keyGenParams(resolved.keyType); // validates the key type before any work
    const ca = new CertificateAuthority(resolved, undefined as unknown as Generation);
    ca.#current = await ca.#newGeneration();
    return ca;
  }

  /** The trust domain this CA issues for. */
  get trustDomain(): TrustDomain {
    return this.#trustDomain;
  }

  /**
   * The X.509 bundle: the current root and every retired root still needed.
   *
   * @returns A new bundle.
   */
  x509Bundle(): X509Bundle {
    return X509Bundle.fromAuthorities(
      this.#trustDomain,
      this.#generations().map((generation) => generation.root.certificate),
    );
  }

  /**
   * The JWT bundle: the current signing key and every retired one still needed.
   *
   * @returns A new bundle.
   */
  jwtBundle(): JwtBundle {
    return JwtBundle.fromJwtAuthorities(
      this.#trustDomain,
      new Map(this.#generations().map((g) => [g.jwtKeyId, g.jwtPublicKey])),
    );
  }

  /**
   * Issues an X509-SVID for `id`, valid from (a minute before) now for `ttl` ms.
   *
   * @param id The SPIFFE ID; it must be in this CA's trust domain.
   * @param ttl The lifetime in milliseconds.
   * @param hint The SVID's hint.
   * @returns The SVID, with the chain up to (not including) the root.
   */
  async issueX509Svid(id: SpiffeId, ttl: number, hint = ""): Promise<X509Svid> {
    this.#checkMember(id);
    const generation = this.#current;
    const keys = await crypto.subtle.generateKey(keyGenParams(this.#keyType), true, [
      "sign",
      "verify",
    ]) as CryptoKeyPair;
    const now = Date.now();
    const notAfter = Math.min(now + ttl, new Date(generation.issuer.certificate.validTo).getTime());
    const leaf = await this.#sign(generation.issuer, {
      subject: `O=spiffe-ts devagent, CN=${id.path.slice(1)}`,
      publicKey: keys.publicKey,
      notAfter: new Date(notAfter),
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment |
            x509.KeyUsageFlags.keyAgreement,
          true,
        ),
        new x509.ExtendedKeyUsageExtension([
          x509.ExtendedKeyUsage.serverAuth,
          x509.ExtendedKeyUsage.clientAuth,
        ]),
        new x509.SubjectAlternativeNameExtension([{ type: "url", value: id.toString() }], false),
      ],
    });
    generation.lastExpiry = Math.max(generation.lastExpiry, notAfter);
    const keyDer = new Uint8Array(await crypto.subtle.exportKey("pkcs8", keys.privateKey));
    return X509Svid.parseRaw(
      new Uint8Array(Buffer.concat([leaf.raw, ...generation.chain])),
      keyDer,
      { hint },
    );
  }

  /**
   * Signs a JWT-SVID for `id` and `audience` with the current ES256 key.
   *
   * @param id The subject.
   * @param audience The audience values (at least one).
   * @param ttl The lifetime in milliseconds.
   * @returns The compact JWS.
   */
  signJwtSvid(id: SpiffeId, audience: readonly string[], ttl: number): string {
    this.#checkMember(id);
    if (audience.length === 0) throw new TypeError("audience must be specified");
    const generation = this.#current;
    const now = Date.now();
    const exp = Math.floor((now + ttl) / 1000);
    generation.lastExpiry = Math.max(generation.lastExpiry, exp * 1000);
    const header = { alg: "ES256", kid: generation.jwtKeyId, typ: "JWT" };
    const payload = {
      sub: id.toString(),
      aud: audience.length === 1 ? audience[0] : [...audience],
      exp,
      iat: Math.floor(now / 1000),
    };
    const signingInput = `${base64url(JSON.stringify(header))}.${
      base64url(JSON.stringify(payload))
    }`;
    const signature = sign("sha256", Buffer.from(signingInput), {
      key: generation.jwtKey,
      dsaEncoding: "ieee-p1363",
    });
    return `${signingInput}.${signature.toString("base64url")}`;
  }

  /**
   * Prepares the next generation: its root and JWT key join the bundles now, but it signs
   * nothing until {@linkcode CertificateAuthority.activate}. Publishing a new authority
   * before using it lets every peer learn it first, so rotation breaks no handshake.
   *
   * @returns Once the next authority exists.
   */
  async prepare(): Promise<void> {
    this.#prepared ??= await this.#newGeneration();
  }

  /**
   * Makes the prepared generation (preparing one if needed) the one that signs; the
   * previous one stays in the bundles until what it signed has expired.
   *
   * @returns Once the new authority signs.
   */
  async activate(): Promise<void> {
    await this.prepare();
    this.#retired.push(this.#current);
    this.#current = this.#prepared!;
    this.#prepared = undefined;
  }

  /**
   * Prepares and activates a new generation at once.
   *
   * @returns Once the new authority is in place.
   */
  rotate(): Promise<void> {
    return this.activate();
  }

  #generations(): Generation[] {
    const now = Date.now();
    this.#retired = this.#retired.filter((generation) => generation.lastExpiry > now);
    return [this.#current, ...(this.#prepared ? [this.#prepared] : []), ...this.#retired];
  }

  #checkMember(id: SpiffeId): void {
    if (!id.memberOf(this.#trustDomain)) {
      throw new RangeError(`${id} is not a member of trust domain ${this.#trustDomain}`);
    }
  }

  async #newGeneration(): Promise<Generation> {
    const label = `${this.#trustDomain.name} ${Date.now().toString(36)}`;
    const rootKeys = await this.#generateKeys();
    const rootName = `O=spiffe-ts devagent, CN=${label} root`;
    const rootCert = await this.#sign(
      { name: rootName, keys: rootKeys } as Signer,
      authorityParams(rootName, rootKeys.publicKey, this.#trustDomain),
    );
    const root = { certificate: rootCert, name: rootName, keys: rootKeys };
    let issuer: Signer = root;
    const chain: Uint8Array[] = [];
    if (this.#intermediate) {
      const keys = await this.#generateKeys();
      const name = `O=spiffe-ts devagent, CN=${label} intermediate`;
      const certificate = await this.#sign(
        root,
        authorityParams(name, keys.publicKey, this.#trustDomain),
      );
      issuer = { certificate, name, keys };
      chain.push(new Uint8Array(certificate.raw));
    }
    const jwt = generateKeyPairSync("ec", { namedCurve: "P-256" });
    return {
      root,
      issuer,
      chain,
      jwtKeyId: randomBytes(16).toString("base64url"),
      jwtKey: jwt.privateKey,
      jwtPublicKey: jwt.publicKey,
      lastExpiry: 0,
    };
  }

  #generateKeys(): Promise<CryptoKeyPair> {
    return crypto.subtle.generateKey(keyGenParams(this.#keyType), true, [
      "sign",
      "verify",
    ]) as Promise<CryptoKeyPair>;
  }

  async #sign(issuer: Signer, params: CertificateParams): Promise<X509Certificate> {
    const now = Date.now();
    const cert = await x509.X509CertificateGenerator.create(
      {
        serialNumber: (this.#serial++).toString(16).padStart(2, "0"),
        subject: params.subject,
        issuer: issuer.name,
        notBefore: new Date(now - BACKDATE),
        notAfter: params.notAfter ?? new Date(now + AUTHORITY_TTL),
        signingAlgorithm: signatureParams(this.#keyType),
        publicKey: params.publicKey,
        signingKey: issuer.keys.privateKey,
        extensions: [
          ...params.extensions,
          await x509.SubjectKeyIdentifierExtension.create(params.publicKey, false, crypto),
          await x509.AuthorityKeyIdentifierExtension.create(issuer.keys.publicKey, false, crypto),
        ],
      },
      crypto,
    );
    return new X509Certificate(new Uint8Array(cert.rawData));
  }
}

interface CertificateParams {
  subject: string;
  publicKey: CryptoKey;
  notAfter?: Date;
  extensions: x509.Extension[];
}

function authorityParams(
  subject: string,
  publicKey: CryptoKey,
  trustDomain: TrustDomain,
): CertificateParams {
  return {
    subject,
    publicKey,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
      new x509.SubjectAlternativeNameExtension([{ type: "url", value: trustDomain.idString() }]),
    ],
  };
}

function base64url(text: string): string {
  return Buffer.from(text).toString("base64url");
}
