import type { KeyObject, X509Certificate } from "node:crypto";
import { BundleError } from "../errors.ts";
import { defineInspect, describeCertificate, describeKey } from "../_internal/inspect.ts";
import { type TrustDomain, trustDomainArgument } from "../spiffeid/trust_domain.ts";
import { decodeBase64Strict, encodeBase64 } from "../_internal/base64.ts";
import { parseCertificateDer } from "../_internal/certificate.ts";
import {
  hasKeyParameters,
  isSupportedKeyType,
  jwkFromPublicKey,
  publicKeyFromJwk,
} from "./_jwk.ts";
import { JwtAuthorities } from "./_jwt_authorities.ts";
import {
  errorAddingAuthority,
  jsonInteger,
  type JsonObject,
  jwkKeyId,
  jwksKeys,
  parseJwksDocument,
  unableToParse,
} from "./_jwks.ts";
import { X509Authorities } from "./_x509_authorities.ts";
import { JwtBundle } from "./jwt_bundle.ts";
import { X509Bundle } from "./x509_bundle.ts";

const PREFIX = "spiffebundle";
const X509_SVID_USE = "x509-svid";
const JWT_SVID_USE = "jwt-svid";
/** `spiffe_sequence` is an unsigned 64-bit integer (TDB §4.1.1). */
const MAX_SEQUENCE = 2n ** 64n - 1n;
/** The largest `spiffe_refresh_hint` whose value in milliseconds is still an exact JS number. */
const MAX_REFRESH_HINT_SECONDS = BigInt(Math.floor(Number.MAX_SAFE_INTEGER / 1000));

/** A derived X.509 or JWT bundle, kept while the authorities it was built from are unchanged. */
interface View<B> {
  /** The authority change count the view was built at. */
  at: number;
  bundle: B;
}

/**
 * A SPIFFE bundle: all the trusted key material of one trust domain (X.509 authorities and JWT
 * authorities) plus the `spiffe_sequence` and `spiffe_refresh_hint` metadata, in the JWKS format
 * of the SPIFFE Trust Domain and Bundle standard (go-spiffe's `spiffebundle.Bundle`). This is the
 * format trust domains exchange for federation.
 *
 * Durations are milliseconds: {@linkcode SpiffeBundle.refreshHint} is the wire's seconds × 1000.
 * {@linkcode SpiffeBundle.sequenceNumber} is a `bigint`, exact over the whole 64-bit range.
 *
 * Parsing follows the standard where go-spiffe v2.8.1 is stricter: a JWK of unknown `kty`, or
 * with a missing or unknown `use` (including the incubating `wit-svid`), is ignored; an
 * `x509-svid` entry with no `x5c` is skipped and one with several uses the first. A `jwt-svid`
 * entry without `kid` is still an error, as in go-spiffe (producers MUST set it, and a key that
 * cannot be selected is better reported than silently dropped).
 *
 * The bundle is a source of all three bundle kinds for its own trust domain. It shows as
 * `SpiffeBundle { trustDomain: TrustDomain(example.org), x509Authorities: [ "CN=example.org" ],
 * jwtAuthorities: Map(1) { "key-1" => "EC P-256" }, sequenceNumber: 1n, refreshHint: 300000 }` in
 * `console.log` and `util.inspect`.
 *
 * @example Parsing a federated bundle
 * ```ts
 * import assert from "node:assert";
 * import { SpiffeBundle, TrustDomain } from "@spiffe-ts/spiffe";
 *
 * const json = '{"keys":[],"spiffe_sequence":9223372036854775809,"spiffe_refresh_hint":300}';
 * const bundle = SpiffeBundle.parse(TrustDomain.parse("example.org"), json);
 * assert.equal(bundle.sequenceNumber, 2n ** 63n + 1n);
 * assert.equal(bundle.refreshHint, 300_000);
 * assert.equal(bundle.marshal(), json);
 * ```
 */
export class SpiffeBundle {
  static {
    defineInspect(this, "SpiffeBundle", (bundle) => ({
      trustDomain: bundle.trustDomain,
      x509Authorities: bundle.x509Authorities().map(describeCertificate),
      jwtAuthorities: new Map(
        Array.from(bundle.jwtAuthorities(), ([keyId, key]) => [keyId, describeKey(key)]),
      ),
      sequenceNumber: bundle.sequenceNumber,
      refreshHint: bundle.refreshHint,
    }));
  }

  readonly #trustDomain: TrustDomain;
  readonly #x509 = new X509Authorities();
  readonly #jwt = new JwtAuthorities();
  #sequenceNumber: bigint | undefined;
  #refreshHint: number | undefined;
  #revision = 0;
  #x509Changes = 0;
  #jwtChanges = 0;
  #x509View: View<X509Bundle> | undefined;
  #jwtView: View<JwtBundle> | undefined;

  /**
   * Creates an empty bundle, without sequence number or refresh hint.
   *
   * @param trustDomain The trust domain the bundle belongs to (a `TrustDomain`, or a string to
   * parse).
   * @throws {TypeError} When `trustDomain` is neither a `TrustDomain` nor a string.
   *
   * @example Creating an empty bundle
   * ```ts
   * import assert from "node:assert";
   * import { SpiffeBundle, TrustDomain } from "@spiffe-ts/spiffe";
   *
   * const bundle = new SpiffeBundle(TrustDomain.parse("example.org"));
   * assert.equal(bundle.marshal(), '{"keys":[]}');
   * ```
   */
  constructor(trustDomain: TrustDomain | string) {
    this.#trustDomain = trustDomainArgument(trustDomain, "new SpiffeBundle(trustDomain)");
  }

  /**
   * Parses a SPIFFE bundle (a JWK Set with SPIFFE members). Numbers are read losslessly, and a
   * member repeated with another value is an error rather than last-one-wins.
   *
   * - `keys` must be present (it may be empty).
   * - A JWK whose `kty` is not `EC`, `RSA` or `OKP`, or whose `use` is neither `x509-svid` nor
   *   `jwt-svid`, is ignored.
   * - `x509-svid`: the authority is the certificate in `x5c[0]` (standard base64 DER); an entry
   *   with no `x5c` is skipped, later `x5c` values are ignored. When the JWK also carries key
   *   parameters they must match the certificate's key.
   * - `jwt-svid`: the key needs a non-empty `kid`; only its public members are read.
   * - `spiffe_sequence`: an integer in the unsigned 64-bit range; `spiffe_refresh_hint`: a
   *   non-negative integer number of seconds.
   *
   * @param trustDomain The trust domain the bundle belongs to (a bundle does not name it): a
   * `TrustDomain`, or a string to parse.
   * @param json The JSON text, or its UTF-8 bytes.
   * @returns The bundle.
   * @throws {BundleError} `spiffebundle: unable to parse JWKS: <reason>` for bad JSON or bad
   * members (reason `malformed`); `spiffebundle: no authorities found` when `keys` is missing or
   * `null` (`no-authorities`); `spiffebundle: error adding authority <i> of JWKS: keyID cannot be
   * empty` for a `jwt-svid` entry without `kid` (`missing-key-id`);
   * `spiffebundle: error adding authority <i> of JWKS: <reason>` for a `jwt-svid` key that cannot
   * be imported (`malformed`).
   * @throws {TypeError} When `trustDomain` is neither a `TrustDomain` nor a string.
   *
   * @example Unknown key types and uses are ignored
   * ```ts
   * import assert from "node:assert";
   * import { SpiffeBundle, TrustDomain } from "@spiffe-ts/spiffe";
   *
   * const td = TrustDomain.parse("example.org");
   * const json = '{"keys":[{"kty":"PQC","use":"jwt-svid"},{"kty":"EC","use":"other"}]}';
   * assert.equal(SpiffeBundle.parse(td, json).jwtAuthorities().size, 0);
   * assert.throws(() => SpiffeBundle.parse(td, '{"keys":[{"kty":"EC","use":"jwt-svid"}]}'), {
   *   message: "spiffebundle: error adding authority 0 of JWKS: keyID cannot be empty",
   * });
   * ```
   */
  static parse(trustDomain: TrustDomain | string, json: string | Uint8Array): SpiffeBundle {
    trustDomain = trustDomainArgument(trustDomain, "SpiffeBundle.parse(trustDomain)");
    const doc = parseJwksDocument(PREFIX, json);
    const bundle = new SpiffeBundle(trustDomain);
    bundle.#sequenceNumber = jsonInteger(PREFIX, doc, "spiffe_sequence", MAX_SEQUENCE);
    const hint = jsonInteger(PREFIX, doc, "spiffe_refresh_hint", MAX_REFRESH_HINT_SECONDS);
    if (hint !== undefined) bundle.#refreshHint = Number(hint) * 1000;
    jwksKeys(PREFIX, doc).forEach((jwk, i) => {
      // TDB §4.2.1 and §4.2.2: ignore JWKs of unknown type or with a missing or unknown use.
      if (!isSupportedKeyType(jwk.kty)) return;
      if (jwk.use === X509_SVID_USE) {
        const cert = x509Authority(jwk, i);
        if (cert !== undefined) bundle.#x509.add(cert);
      } else if (jwk.use === JWT_SVID_USE) {
        try {
          bundle.#jwt.set(PREFIX, jwkKeyId(PREFIX, jwk), publicKeyFromJwk(jwk));
        } catch (cause) {
          throw errorAddingAuthority(PREFIX, i, cause);
        }
      }
    });
    return bundle;
  }

  /**
   * Creates a SPIFFE bundle holding the X.509 authorities of an X.509 bundle.
   *
   * @param bundle The X.509 bundle.
   * @returns A new SPIFFE bundle for the same trust domain.
   *
   * @example Converting an X.509 bundle
   * ```ts
   * import assert from "node:assert";
   * import { SpiffeBundle, TrustDomain, X509Bundle } from "@spiffe-ts/spiffe";
   *
   * const pem = `-----BEGIN CERTIFICATE-----
   * MIHvMIGioAMCAQICAQEwBQYDK2VwMBYxFDASBgNVBAMTC2V4YW1wbGUub3JnMCAX
   * DTI1MDEwMTAwMDAwMFoYDzIxMjUwMTAxMDAwMDAwWjAWMRQwEgYDVQQDEwtleGFt
   * cGxlLm9yZzAqMAUGAytlcAMhAK+VaeW5RlX9sHLCaU1fd+X1f18BbMnvQAuP1lcz
   * oHpDoxMwETAPBgNVHRMBAf8EBTADAQH/MAUGAytlcANBAF22QKN6sauCpVJslo95
   * it/zUF2OiLrzO95a1vV7XCeA/yPlNjlVFL1/qc9Uj2Dv48Tgk+PccMW6X95odLmj
   * TQ0=
   * -----END CERTIFICATE-----
   * `;
   * const x509 = X509Bundle.parse(TrustDomain.parse("example.org"), pem);
   * assert.ok(SpiffeBundle.fromX509Bundle(x509).toX509Bundle().equals(x509));
   * ```
   */
  static fromX509Bundle(bundle: X509Bundle): SpiffeBundle {
    const spiffe = new SpiffeBundle(bundle.trustDomain);
    for (const cert of bundle.x509Authorities()) spiffe.#x509.add(cert);
    return spiffe;
  }

  /**
   * Creates a SPIFFE bundle holding the JWT authorities of a JWT bundle.
   *
   * @param bundle The JWT bundle.
   * @returns A new SPIFFE bundle for the same trust domain.
   *
   * @example Converting a JWT bundle
   * ```ts
   * import assert from "node:assert";
   * import { generateKeyPairSync } from "node:crypto";
   * import { JwtBundle, SpiffeBundle, TrustDomain } from "@spiffe-ts/spiffe";
   *
   * const jwt = new JwtBundle(TrustDomain.parse("example.org"));
   * jwt.addJwtAuthority("key-1", generateKeyPairSync("ed25519").publicKey);
   * assert.ok(SpiffeBundle.fromJwtBundle(jwt).toJwtBundle().equals(jwt));
   * ```
   */
  static fromJwtBundle(bundle: JwtBundle): SpiffeBundle {
    const spiffe = new SpiffeBundle(bundle.trustDomain);
    for (const [keyId, key] of bundle.jwtAuthorities()) spiffe.#jwt.set(PREFIX, keyId, key);
    return spiffe;
  }

  /** The trust domain the bundle belongs to. */
  get trustDomain(): TrustDomain {
    return this.#trustDomain;
  }

  /**
   * A counter that grows whenever the content changes (authorities, sequence number or refresh
   * hint), so that caches built from the bundle can tell when to rebuild.
   */
  get revision(): number {
    return this.#revision;
  }

  /**
   * The `spiffe_sequence` member: a number that grows with every change of the bundle, or
   * `undefined` when absent. Setting it accepts `undefined` (to clear it) or a `bigint` from 0
   * to 2^64 − 1; anything else throws a `RangeError`.
   */
  get sequenceNumber(): bigint | undefined {
    return this.#sequenceNumber;
  }

  set sequenceNumber(value: bigint | undefined) {
    if (value !== undefined && (typeof value !== "bigint" || value < 0n || value > MAX_SEQUENCE)) {
      throw new RangeError("sequenceNumber must be a bigint from 0 to 2^64 - 1, or undefined");
    }
    if (value === this.#sequenceNumber) return;
    this.#sequenceNumber = value;
    this.#revision++;
  }

  /**
   * The `spiffe_refresh_hint` member in **milliseconds** (the wire carries seconds), or
   * `undefined` when absent: how often a consumer should check for updates. Setting it accepts
   * `undefined` or a finite, non-negative number; anything else throws a `RangeError`.
   * {@linkcode SpiffeBundle.marshal} rounds it up to whole seconds.
   */
  get refreshHint(): number | undefined {
    return this.#refreshHint;
  }

  set refreshHint(value: number | undefined) {
    if (value !== undefined && !(typeof value === "number" && value >= 0 && isFinite(value))) {
      throw new RangeError(
        "refreshHint must be a finite, non-negative number of milliseconds, or undefined",
      );
    }
    if (value === this.#refreshHint) return;
    this.#refreshHint = value;
    this.#revision++;
  }

  /**
   * The X.509 authorities (CA certificates), in insertion order.
   *
   * @returns A new array; changing it does not change the bundle.
   *
   * @example Listing the X.509 authorities
   * ```ts
   * import assert from "node:assert";
   * import { SpiffeBundle, TrustDomain } from "@spiffe-ts/spiffe";
   *
   * assert.deepEqual(new SpiffeBundle(TrustDomain.parse("example.org")).x509Authorities(), []);
   * ```
   */
  x509Authorities(): X509Certificate[] {
    return this.#x509.list();
  }

  /**
   * Whether the bundle holds the CA certificate (compared by DER).
   *
   * @param cert The certificate.
   * @returns `true` when present.
   *
   * @example Looking up a certificate
   * ```ts
   * import assert from "node:assert";
   * import { X509Certificate } from "node:crypto";
   * import { SpiffeBundle, TrustDomain } from "@spiffe-ts/spiffe";
   *
   * const pem = `-----BEGIN CERTIFICATE-----
   * MIHvMIGioAMCAQICAQEwBQYDK2VwMBYxFDASBgNVBAMTC2V4YW1wbGUub3JnMCAX
   * DTI1MDEwMTAwMDAwMFoYDzIxMjUwMTAxMDAwMDAwWjAWMRQwEgYDVQQDEwtleGFt
   * cGxlLm9yZzAqMAUGAytlcAMhAK+VaeW5RlX9sHLCaU1fd+X1f18BbMnvQAuP1lcz
   * oHpDoxMwETAPBgNVHRMBAf8EBTADAQH/MAUGAytlcANBAF22QKN6sauCpVJslo95
   * it/zUF2OiLrzO95a1vV7XCeA/yPlNjlVFL1/qc9Uj2Dv48Tgk+PccMW6X95odLmj
   * TQ0=
   * -----END CERTIFICATE-----
   * `;
   * const bundle = new SpiffeBundle(TrustDomain.parse("example.org"));
   * assert.ok(!bundle.hasX509Authority(new X509Certificate(pem)));
   * ```
   */
  hasX509Authority(cert: X509Certificate): boolean {
    return this.#x509.has(cert);
  }

  /**
   * Adds a CA certificate; one already present is not added again.
   *
   * @param cert The certificate.
   * @returns Nothing.
   *
   * @example Adding a certificate
   * ```ts
   * import assert from "node:assert";
   * import { X509Certificate } from "node:crypto";
   * import { SpiffeBundle, TrustDomain } from "@spiffe-ts/spiffe";
   *
   * const pem = `-----BEGIN CERTIFICATE-----
   * MIHvMIGioAMCAQICAQEwBQYDK2VwMBYxFDASBgNVBAMTC2V4YW1wbGUub3JnMCAX
   * DTI1MDEwMTAwMDAwMFoYDzIxMjUwMTAxMDAwMDAwWjAWMRQwEgYDVQQDEwtleGFt
   * cGxlLm9yZzAqMAUGAytlcAMhAK+VaeW5RlX9sHLCaU1fd+X1f18BbMnvQAuP1lcz
   * oHpDoxMwETAPBgNVHRMBAf8EBTADAQH/MAUGAytlcANBAF22QKN6sauCpVJslo95
   * it/zUF2OiLrzO95a1vV7XCeA/yPlNjlVFL1/qc9Uj2Dv48Tgk+PccMW6X95odLmj
   * TQ0=
   * -----END CERTIFICATE-----
   * `;
   * const bundle = new SpiffeBundle(TrustDomain.parse("example.org"));
   * bundle.addX509Authority(new X509Certificate(pem));
   * assert.equal(bundle.x509Authorities().length, 1);
   * ```
   */
  addX509Authority(cert: X509Certificate): void {
    if (this.#x509.add(cert)) this.#x509Changed();
  }

  /**
   * Removes a CA certificate (compared by DER), if present.
   *
   * @param cert The certificate.
   * @returns Nothing.
   *
   * @example Removing a certificate
   * ```ts
   * import assert from "node:assert";
   * import { X509Certificate } from "node:crypto";
   * import { SpiffeBundle, TrustDomain } from "@spiffe-ts/spiffe";
   *
   * const pem = `-----BEGIN CERTIFICATE-----
   * MIHvMIGioAMCAQICAQEwBQYDK2VwMBYxFDASBgNVBAMTC2V4YW1wbGUub3JnMCAX
   * DTI1MDEwMTAwMDAwMFoYDzIxMjUwMTAxMDAwMDAwWjAWMRQwEgYDVQQDEwtleGFt
   * cGxlLm9yZzAqMAUGAytlcAMhAK+VaeW5RlX9sHLCaU1fd+X1f18BbMnvQAuP1lcz
   * oHpDoxMwETAPBgNVHRMBAf8EBTADAQH/MAUGAytlcANBAF22QKN6sauCpVJslo95
   * it/zUF2OiLrzO95a1vV7XCeA/yPlNjlVFL1/qc9Uj2Dv48Tgk+PccMW6X95odLmj
   * TQ0=
   * -----END CERTIFICATE-----
   * `;
   * const bundle = new SpiffeBundle(TrustDomain.parse("example.org"));
   * bundle.addX509Authority(new X509Certificate(pem));
   * bundle.removeX509Authority(new X509Certificate(pem));
   * assert.equal(bundle.x509Authorities().length, 0);
   * ```
   */
  removeX509Authority(cert: X509Certificate): void {
    if (this.#x509.remove(cert)) this.#x509Changed();
  }

  /**
   * The JWT authorities by key ID, in insertion order.
   *
   * @returns A new map; changing it does not change the bundle.
   *
   * @example Listing the JWT authorities
   * ```ts
   * import assert from "node:assert";
   * import { SpiffeBundle, TrustDomain } from "@spiffe-ts/spiffe";
   *
   * assert.equal(new SpiffeBundle(TrustDomain.parse("example.org")).jwtAuthorities().size, 0);
   * ```
   */
  jwtAuthorities(): Map<string, KeyObject> {
    return this.#jwt.toMap();
  }

  /**
   * The JWT authority with the given key ID.
   *
   * @param keyId The key ID.
   * @returns The public key, or `undefined`.
   *
   * @example Finding a key
   * ```ts
   * import assert from "node:assert";
   * import { SpiffeBundle, TrustDomain } from "@spiffe-ts/spiffe";
   *
   * const bundle = new SpiffeBundle(TrustDomain.parse("example.org"));
   * assert.equal(bundle.findJwtAuthority("key-1"), undefined);
   * ```
   */
  findJwtAuthority(keyId: string): KeyObject | undefined {
    return this.#jwt.get(keyId);
  }

  /**
   * Whether the bundle has a JWT authority with the given key ID.
   *
   * @param keyId The key ID.
   * @returns `true` when present.
   *
   * @example Checking for a key
   * ```ts
   * import assert from "node:assert";
   * import { SpiffeBundle, TrustDomain } from "@spiffe-ts/spiffe";
   *
   * assert.ok(!new SpiffeBundle(TrustDomain.parse("example.org")).hasJwtAuthority("key-1"));
   * ```
   */
  hasJwtAuthority(keyId: string): boolean {
    return this.#jwt.has(keyId);
  }

  /**
   * Adds a JWT authority, replacing any key stored under the same ID.
   *
   * @param keyId The key ID; must not be empty.
   * @param key A `node:crypto` public key.
   * @returns Nothing.
   * @throws {BundleError} `spiffebundle: keyID cannot be empty`, or
   * `spiffebundle: JWT authority must be a public key`.
   *
   * @example Adding a key
   * ```ts
   * import assert from "node:assert";
   * import { generateKeyPairSync } from "node:crypto";
   * import { SpiffeBundle, TrustDomain } from "@spiffe-ts/spiffe";
   *
   * const bundle = new SpiffeBundle(TrustDomain.parse("example.org"));
   * bundle.addJwtAuthority("key-1", generateKeyPairSync("ed25519").publicKey);
   * assert.ok(bundle.hasJwtAuthority("key-1"));
   * ```
   */
  addJwtAuthority(keyId: string, key: KeyObject): void {
    if (this.#jwt.set(PREFIX, keyId, key)) this.#jwtChanged();
  }

  /**
   * Removes the JWT authority with the given key ID, if present.
   *
   * @param keyId The key ID.
   * @returns Nothing.
   *
   * @example Removing a key
   * ```ts
   * import assert from "node:assert";
   * import { generateKeyPairSync } from "node:crypto";
   * import { SpiffeBundle, TrustDomain } from "@spiffe-ts/spiffe";
   *
   * const bundle = new SpiffeBundle(TrustDomain.parse("example.org"));
   * bundle.addJwtAuthority("key-1", generateKeyPairSync("ed25519").publicKey);
   * bundle.removeJwtAuthority("key-1");
   * assert.equal(bundle.jwtAuthorities().size, 0);
   * ```
   */
  removeJwtAuthority(keyId: string): void {
    if (this.#jwt.delete(keyId)) this.#jwtChanged();
  }

  /**
   * A new X.509 bundle holding this bundle's X.509 authorities.
   *
   * @returns The X.509 bundle, a copy.
   *
   * @example Extracting the X.509 part
   * ```ts
   * import assert from "node:assert";
   * import { SpiffeBundle, TrustDomain } from "@spiffe-ts/spiffe";
   *
   * const bundle = new SpiffeBundle(TrustDomain.parse("example.org"));
   * assert.equal(bundle.toX509Bundle().trustDomain.name, "example.org");
   * ```
   */
  toX509Bundle(): X509Bundle {
    return X509Bundle.fromAuthorities(this.#trustDomain, this.#x509.list());
  }

  /**
   * A new JWT bundle holding this bundle's JWT authorities.
   *
   * @returns The JWT bundle, a copy.
   *
   * @example Extracting the JWT part
   * ```ts
   * import assert from "node:assert";
   * import { SpiffeBundle, TrustDomain } from "@spiffe-ts/spiffe";
   *
   * const bundle = new SpiffeBundle(TrustDomain.parse("example.org"));
   * assert.equal(bundle.toJwtBundle().jwtAuthorities().size, 0);
   * ```
   */
  toJwtBundle(): JwtBundle {
    return JwtBundle.fromJwtAuthorities(this.#trustDomain, this.#jwt.toMap());
  }

  /**
   * Encodes the bundle in the SPIFFE bundle format: `keys` (always present), then
   * `spiffe_sequence` and `spiffe_refresh_hint` (seconds, rounded up) when set. Each X.509
   * authority becomes a `use: "x509-svid"` JWK without `kid`, with its public key parameters and
   * the certificate as the single `x5c` value; each JWT authority a `use: "jwt-svid"` JWK with
   * its `kid`. The trust domain is not part of the document.
   *
   * @returns The JSON text.
   * @throws {BundleError} `spiffebundle: cannot marshal X.509 authority <i>: <reason>` (reason
   * `marshal-failed`) when a certificate's key cannot be written as a JWK.
   *
   * @example SPIFFE bundle round trip
   * ```ts
   * import assert from "node:assert";
   * import { X509Certificate } from "node:crypto";
   * import { SpiffeBundle, TrustDomain } from "@spiffe-ts/spiffe";
   *
   * const pem = `-----BEGIN CERTIFICATE-----
   * MIHvMIGioAMCAQICAQEwBQYDK2VwMBYxFDASBgNVBAMTC2V4YW1wbGUub3JnMCAX
   * DTI1MDEwMTAwMDAwMFoYDzIxMjUwMTAxMDAwMDAwWjAWMRQwEgYDVQQDEwtleGFt
   * cGxlLm9yZzAqMAUGAytlcAMhAK+VaeW5RlX9sHLCaU1fd+X1f18BbMnvQAuP1lcz
   * oHpDoxMwETAPBgNVHRMBAf8EBTADAQH/MAUGAytlcANBAF22QKN6sauCpVJslo95
   * it/zUF2OiLrzO95a1vV7XCeA/yPlNjlVFL1/qc9Uj2Dv48Tgk+PccMW6X95odLmj
   * TQ0=
   * -----END CERTIFICATE-----
   * `;
   * const td = TrustDomain.parse("example.org");
   * const bundle = new SpiffeBundle(td);
   * bundle.addX509Authority(new X509Certificate(pem));
   * bundle.refreshHint = 1_500; // ms: written as 2 seconds
   * const copy = SpiffeBundle.parse(td, bundle.marshal());
   * assert.equal(copy.refreshHint, 2_000);
   * assert.equal(copy.x509Authorities().length, 1);
   * ```
   */
  marshal(): string {
    const x509Keys = this.#x509.list().map((cert, i) => {
      let jwk: Record<string, string>;
      try {
        jwk = jwkFromPublicKey(cert.publicKey);
      } catch (cause) {
        const reason = cause instanceof Error ? cause.message : String(cause);
        throw new BundleError(`${PREFIX}: cannot marshal X.509 authority ${i}: ${reason}`, {
          cause,
          reason: "marshal-failed",
        });
      }
      const { kty, ...params } = jwk;
      return { use: X509_SVID_USE, kty, ...params, x5c: [encodeBase64(cert.raw)] };
    });
    const keys = [...x509Keys, ...this.#jwt.toJwks(JWT_SVID_USE)];
    // Written by hand so that the 64-bit sequence number keeps every digit.
    let json = `{"keys":${JSON.stringify(keys)}`;
    if (this.#sequenceNumber !== undefined) json += `,"spiffe_sequence":${this.#sequenceNumber}`;
    if (this.#refreshHint !== undefined) {
      json += `,"spiffe_refresh_hint":${Math.ceil(this.#refreshHint / 1000)}`;
    }
    return json + "}";
  }

  /**
   * Whether `other` has the same trust domain, sequence number, refresh hint, X.509 authorities
   * (in the same order) and JWT authorities.
   *
   * @param other The bundle to compare with.
   * @returns `true` when equal.
   *
   * @example Comparing bundles
   * ```ts
   * import assert from "node:assert";
   * import { SpiffeBundle, TrustDomain } from "@spiffe-ts/spiffe";
   *
   * const td = TrustDomain.parse("example.org");
   * const a = new SpiffeBundle(td);
   * const b = new SpiffeBundle(td);
   * b.sequenceNumber = 1n;
   * assert.ok(!a.equals(b));
   * ```
   */
  equals(other: SpiffeBundle): boolean {
    return this.#trustDomain.equals(other.#trustDomain) &&
      this.#sequenceNumber === other.#sequenceNumber &&
      this.#refreshHint === other.#refreshHint &&
      this.#x509.equals(other.#x509) &&
      this.#jwt.equals(other.#jwt);
  }

  /**
   * Copies the bundle; changes to the copy do not reach the original.
   *
   * @returns The copy, with revision 0.
   *
   * @example Copying a bundle
   * ```ts
   * import assert from "node:assert";
   * import { SpiffeBundle, TrustDomain } from "@spiffe-ts/spiffe";
   *
   * const bundle = new SpiffeBundle(TrustDomain.parse("example.org"));
   * bundle.refreshHint = 60_000;
   * assert.ok(bundle.clone().equals(bundle));
   * ```
   */
  clone(): SpiffeBundle {
    const copy = new SpiffeBundle(this.#trustDomain);
    copy.#sequenceNumber = this.#sequenceNumber;
    copy.#refreshHint = this.#refreshHint;
    for (const cert of this.#x509.list()) copy.#x509.add(cert);
    for (const [keyId, key] of this.#jwt.toMap()) copy.#jwt.set(PREFIX, keyId, key);
    return copy;
  }

  /**
   * Returns this bundle when asked for its own trust domain: a SPIFFE bundle is a
   * `SpiffeBundleSource`.
   *
   * @param trustDomain The trust domain wanted (a `TrustDomain`, or a string to parse).
   * @returns This bundle.
   * @throws {BundleError} `spiffebundle: no SPIFFE bundle for trust domain "<td>"` (reason
   * `not-found`) for any other trust domain.
   * @throws {TypeError} When `trustDomain` is neither a `TrustDomain` nor a string.
   *
   * @example Using a bundle as a SpiffeBundleSource
   * ```ts
   * import assert from "node:assert";
   * import { SpiffeBundle, TrustDomain } from "@spiffe-ts/spiffe";
   *
   * const bundle = new SpiffeBundle(TrustDomain.parse("example.org"));
   * assert.equal(bundle.getBundleForTrustDomain(TrustDomain.parse("example.org")), bundle);
   * ```
   */
  getBundleForTrustDomain(trustDomain: TrustDomain | string): SpiffeBundle {
    this.#requireTrustDomain(trustDomain, "SPIFFE", "getBundleForTrustDomain");
    return this;
  }

  /**
   * The X.509 part of this bundle, when asked for its own trust domain: a SPIFFE bundle is an
   * `X509BundleSource`. While the X.509 authorities stay unchanged, every call returns the same
   * `X509Bundle` object, so caches keyed by it keep working; treat it as read-only (a view that
   * has been changed is not handed out again).
   *
   * @param trustDomain The trust domain wanted (a `TrustDomain`, or a string to parse).
   * @returns The X.509 bundle.
   * @throws {BundleError} `spiffebundle: no X.509 bundle for trust domain "<td>"` (reason
   * `not-found`) for any other trust domain.
   * @throws {TypeError} When `trustDomain` is neither a `TrustDomain` nor a string.
   *
   * @example Using a SPIFFE bundle as an X509BundleSource
   * ```ts
   * import assert from "node:assert";
   * import { SpiffeBundle, TrustDomain } from "@spiffe-ts/spiffe";
   *
   * const bundle = new SpiffeBundle(TrustDomain.parse("example.org"));
   * assert.throws(() => bundle.getX509BundleForTrustDomain(TrustDomain.parse("other.org")), {
   *   message: 'spiffebundle: no X.509 bundle for trust domain "other.org"',
   * });
   * ```
   */
  getX509BundleForTrustDomain(trustDomain: TrustDomain | string): X509Bundle {
    this.#requireTrustDomain(trustDomain, "X.509", "getX509BundleForTrustDomain");
    const view = this.#x509View;
    if (view?.at === this.#x509Changes && view.bundle.revision === 0) return view.bundle;
    const bundle = this.toX509Bundle();
    this.#x509View = { at: this.#x509Changes, bundle };
    return bundle;
  }

  /**
   * The X.509 part of this bundle as the one bundle of the source
   * (`X509BundleSource.getX509Bundles`): the same read-only view as
   * {@linkcode SpiffeBundle.getX509BundleForTrustDomain} gives.
   *
   * @returns One X.509 bundle.
   *
   * @example Listing a SPIFFE bundle's X.509 part
   * ```ts
   * import assert from "node:assert";
   * import { SpiffeBundle, TrustDomain } from "@spiffe-ts/spiffe";
   *
   * const td = TrustDomain.parse("example.org");
   * const bundle = new SpiffeBundle(td);
   * assert.deepEqual(bundle.getX509Bundles(), [bundle.getX509BundleForTrustDomain(td)]);
   * ```
   */
  getX509Bundles(): X509Bundle[] {
    return [this.getX509BundleForTrustDomain(this.#trustDomain)];
  }

  /**
   * The JWT part of this bundle, when asked for its own trust domain: a SPIFFE bundle is a
   * `JwtBundleSource`. While the JWT authorities stay unchanged, every call returns the same
   * `JwtBundle` object; treat it as read-only.
   *
   * @param trustDomain The trust domain wanted (a `TrustDomain`, or a string to parse).
   * @returns The JWT bundle.
   * @throws {BundleError} `spiffebundle: no JWT bundle for trust domain "<td>"` (reason
   * `not-found`) for any other trust domain.
   * @throws {TypeError} When `trustDomain` is neither a `TrustDomain` nor a string.
   *
   * @example Using a SPIFFE bundle as a JwtBundleSource
   * ```ts
   * import assert from "node:assert";
   * import { SpiffeBundle, TrustDomain } from "@spiffe-ts/spiffe";
   *
   * const td = TrustDomain.parse("example.org");
   * const bundle = new SpiffeBundle(td);
   * assert.equal(bundle.getJwtBundleForTrustDomain(td), bundle.getJwtBundleForTrustDomain(td));
   * ```
   */
  getJwtBundleForTrustDomain(trustDomain: TrustDomain | string): JwtBundle {
    this.#requireTrustDomain(trustDomain, "JWT", "getJwtBundleForTrustDomain");
    const view = this.#jwtView;
    if (view?.at === this.#jwtChanges && view.bundle.revision === 0) return view.bundle;
    const bundle = this.toJwtBundle();
    this.#jwtView = { at: this.#jwtChanges, bundle };
    return bundle;
  }

  #requireTrustDomain(trustDomain: TrustDomain | string, kind: string, method: string): void {
    trustDomain = trustDomainArgument(trustDomain, `SpiffeBundle.${method}(trustDomain)`);
    if (!this.#trustDomain.equals(trustDomain)) {
      throw new BundleError(
        `${PREFIX}: no ${kind} bundle for trust domain ${JSON.stringify(trustDomain.name)}`,
        { reason: "not-found" },
      );
    }
  }

  #x509Changed(): void {
    this.#x509Changes++;
    this.#revision++;
  }

  #jwtChanged(): void {
    this.#jwtChanges++;
    this.#revision++;
  }
}

/**
 * Reads the authority of an `x509-svid` JWK (X5 §6.2): the certificate in `x5c[0]`.
 *
 * @param jwk The JWK, of a supported `kty`.
 * @param i Its index in `keys`, for error messages.
 * @returns The certificate, or `undefined` when `x5c` is missing or empty (the entry is skipped).
 * @throws {BundleError} `spiffebundle: unable to parse JWKS: x509-svid entry <i>: <reason>` for
 * a malformed `x5c` or certificate, or key parameters that do not match the certificate.
 */
function x509Authority(jwk: JsonObject, i: number): X509Certificate | undefined {
  const context = `${X509_SVID_USE} entry ${i}`;
  const x5c = jwk.x5c;
  if (x5c === undefined || x5c === null) return undefined;
  if (!Array.isArray(x5c)) {
    throw unableToParse(PREFIX, new TypeError(`"x5c" must be an array`), context);
  }
  if (x5c.length === 0) return undefined;
  if (typeof x5c[0] !== "string") {
    throw unableToParse(PREFIX, new TypeError(`"x5c" values must be strings`), context);
  }
  let cert: X509Certificate;
  try {
    cert = parseCertificateDer(decodeBase64Strict(x5c[0], "x5c[0]"));
  } catch (cause) {
    throw unableToParse(PREFIX, cause, `${context}: cannot parse x5c certificate`);
  }
  // RFC 7517 §4.7: the key in the first certificate MUST match the JWK's own key parameters.
  if (hasKeyParameters(jwk)) {
    let key: KeyObject;
    try {
      key = publicKeyFromJwk(jwk);
    } catch (cause) {
      throw unableToParse(PREFIX, cause, context);
    }
    let same: boolean;
    try {
      same = key.equals(cert.publicKey);
    } catch (cause) {
      // node:crypto cannot load every key a certificate may carry (e.g. secp256k1 on Deno).
      throw unableToParse(PREFIX, cause, `${context}: cannot load the x5c certificate's key`);
    }
    if (!same) {
      throw unableToParse(
        PREFIX,
        new Error("public keys in key and x5c fields do not match"),
        context,
      );
    }
  }
  return cert;
}
