import type { X509Certificate } from "node:crypto";
import { BundleError } from "../errors.ts";
import { defineInspect, describeCertificate } from "../_internal/inspect.ts";
import { type TrustDomain, trustDomainArgument } from "../spiffeid/trust_domain.ts";
import { parseCertificateDer } from "../_internal/certificate.ts";
import { splitDerCertificates } from "../_internal/der.ts";
import { decodePemBody, encodePemCertificates, findPemBlocks } from "../_internal/pem.ts";
import { X509Authorities } from "./_x509_authorities.ts";

/**
 * The trusted X.509 roots (CA certificates) of one trust domain: what an X509-SVID from that
 * trust domain must chain to (go-spiffe's `x509bundle.Bundle`).
 *
 * Authorities are kept in insertion order and keyed by their DER bytes, so a certificate added
 * twice is stored once and {@linkcode X509Bundle.hasX509Authority} is O(1). Every change bumps
 * {@linkcode X509Bundle.revision}. The bundle is also an `X509BundleSource` for its own trust
 * domain. It shows as `X509Bundle { trustDomain: TrustDomain(example.org), x509Authorities: [
 * "CN=example.org" ] }` (each authority by its subject) in `console.log` and `util.inspect`.
 *
 * @example Loading a PEM bundle and using it as a source
 * ```ts
 * import assert from "node:assert";
 * import { TrustDomain, X509Bundle } from "@spiffe-ts/spiffe";
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
 * const bundle = X509Bundle.parse(td, pem);
 * assert.equal(bundle.x509Authorities().length, 1);
 * assert.equal(bundle.getX509BundleForTrustDomain(td), bundle);
 * ```
 */
export class X509Bundle {
  static {
    defineInspect(this, "X509Bundle", (bundle) => ({
      trustDomain: bundle.trustDomain,
      x509Authorities: bundle.x509Authorities().map(describeCertificate),
    }));
  }

  readonly #trustDomain: TrustDomain;
  readonly #authorities: X509Authorities;
  #revision = 0;

  /**
   * Creates an empty bundle.
   *
   * @param trustDomain The trust domain the bundle belongs to (a `TrustDomain`, or a string to parse).
   * @throws {TypeError} When `trustDomain` is neither a `TrustDomain` nor a string.
   *
   * @example Creating an empty bundle
   * ```ts
   * import assert from "node:assert";
   * import { TrustDomain, X509Bundle } from "@spiffe-ts/spiffe";
   *
   * const bundle = new X509Bundle(TrustDomain.parse("example.org"));
   * assert.equal(bundle.x509Authorities().length, 0);
   * ```
   */
  constructor(trustDomain: TrustDomain | string) {
    this.#trustDomain = trustDomainArgument(trustDomain, "new X509Bundle(trustDomain)");
    this.#authorities = new X509Authorities();
  }

  /**
   * Creates a bundle holding the given certificates (duplicates are stored once).
   *
   * @param trustDomain The trust domain the bundle belongs to.
   * @param certs The CA certificates.
   * @returns The bundle.
   * @throws {TypeError} When `trustDomain` is neither a `TrustDomain` nor a string.
   *
   * @example Wrapping certificates you already have
   * ```ts
   * import assert from "node:assert";
   * import { X509Certificate } from "node:crypto";
   * import { TrustDomain, X509Bundle } from "@spiffe-ts/spiffe";
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
   * const ca = new X509Certificate(pem);
   * const bundle = X509Bundle.fromAuthorities(TrustDomain.parse("example.org"), [ca, ca]);
   * assert.equal(bundle.x509Authorities().length, 1);
   * ```
   */
  static fromAuthorities(
    trustDomain: TrustDomain | string,
    certs: Iterable<X509Certificate>,
  ): X509Bundle {
    trustDomain = trustDomainArgument(trustDomain, "X509Bundle.fromAuthorities(trustDomain)");
    const bundle = new X509Bundle(trustDomain);
    for (const cert of certs) bundle.#authorities.add(cert);
    return bundle;
  }

  /**
   * Parses PEM-encoded certificates. Only `CERTIFICATE` blocks are read; blocks of other types
   * are skipped, so a file holding only a key gives an empty bundle (as in go-spiffe). Text
   * without any PEM block, including empty text, is an error.
   *
   * @param trustDomain The trust domain the bundle belongs to.
   * @param pem The PEM text, or its bytes.
   * @returns The bundle.
   * @throws {BundleError} `x509bundle: cannot parse certificate: no PEM blocks found`, or
   * `x509bundle: cannot parse certificate: <reason>` for a block that is not a certificate
   * (reason `malformed`).
   * @throws {TypeError} When `trustDomain` is neither a `TrustDomain` nor a string.
   *
   * @example Parsing PEM text
   * ```ts
   * import assert from "node:assert";
   * import { TrustDomain, X509Bundle } from "@spiffe-ts/spiffe";
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
   * const bundle = X509Bundle.parse(TrustDomain.parse("example.org"), pem);
   * assert.equal(bundle.marshal(), pem);
   * ```
   */
  static parse(trustDomain: TrustDomain | string, pem: string | Uint8Array): X509Bundle {
    trustDomain = trustDomainArgument(trustDomain, "X509Bundle.parse(trustDomain)");
    const text = typeof pem === "string" ? pem : new TextDecoder().decode(pem);
    const blocks = findPemBlocks(text);
    if (blocks.length === 0) throw cannotParse(new SyntaxError("no PEM blocks found"));
    const bundle = new X509Bundle(trustDomain);
    for (const block of blocks) {
      if (block.type !== "CERTIFICATE") continue;
      try {
        bundle.#authorities.add(parseCertificateDer(decodePemBody(block.body)));
      } catch (cause) {
        throw cannotParse(cause);
      }
    }
    return bundle;
  }

  /**
   * Parses concatenated DER certificates, the form the Workload API sends
   * (`X509BundlesResponse.bundles` and the like). Empty bytes give an empty bundle.
   *
   * @param trustDomain The trust domain the bundle belongs to.
   * @param der The certificates' DER, end to end.
   * @returns The bundle.
   * @throws {BundleError} `x509bundle: cannot parse certificate: <reason>`, e.g.
   * `x509bundle: cannot parse certificate: truncated DER: certificate 0 needs 377 bytes, 40 remain`
   * (reason `malformed`).
   * @throws {TypeError} When `trustDomain` is neither a `TrustDomain` nor a string.
   *
   * @example Parsing the Workload API form
   * ```ts
   * import assert from "node:assert";
   * import { X509Certificate } from "node:crypto";
   * import { TrustDomain, X509Bundle } from "@spiffe-ts/spiffe";
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
   * const der = new X509Certificate(pem).raw;
   * const td = TrustDomain.parse("example.org");
   * const twice = new Uint8Array([...der, ...der]);
   * assert.equal(X509Bundle.parseRaw(td, twice).x509Authorities().length, 1);
   * assert.equal(X509Bundle.parseRaw(td, new Uint8Array()).x509Authorities().length, 0);
   * ```
   */
  static parseRaw(trustDomain: TrustDomain | string, der: Uint8Array): X509Bundle {
    trustDomain = trustDomainArgument(trustDomain, "X509Bundle.parseRaw(trustDomain)");
    const bundle = new X509Bundle(trustDomain);
    try {
      for (const part of splitDerCertificates(der)) {
        bundle.#authorities.add(parseCertificateDer(part));
      }
    } catch (cause) {
      throw cannotParse(cause);
    }
    return bundle;
  }

  /** The trust domain the bundle belongs to. */
  get trustDomain(): TrustDomain {
    return this.#trustDomain;
  }

  /**
   * A counter that grows whenever the authorities change, so that caches built from the bundle
   * (verification roots, TLS contexts) can tell when to rebuild. Adding a certificate already
   * present, or removing one that is absent, leaves it unchanged.
   */
  get revision(): number {
    return this.#revision;
  }

  /**
   * The CA certificates, in insertion order.
   *
   * @returns A new array; changing it does not change the bundle.
   *
   * @example Listing the authorities
   * ```ts
   * import assert from "node:assert";
   * import { TrustDomain, X509Bundle } from "@spiffe-ts/spiffe";
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
   * const [ca] = X509Bundle.parse(TrustDomain.parse("example.org"), pem).x509Authorities();
   * assert.equal(ca.subject, "CN=example.org");
   * ```
   */
  x509Authorities(): X509Certificate[] {
    return this.#authorities.list();
  }

  /**
   * Whether the bundle holds the certificate (compared by DER).
   *
   * @param cert The certificate.
   * @returns `true` when present.
   *
   * @example Looking up a certificate
   * ```ts
   * import assert from "node:assert";
   * import { X509Certificate } from "node:crypto";
   * import { TrustDomain, X509Bundle } from "@spiffe-ts/spiffe";
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
   * const bundle = X509Bundle.parse(TrustDomain.parse("example.org"), pem);
   * assert.ok(bundle.hasX509Authority(new X509Certificate(pem)));
   * ```
   */
  hasX509Authority(cert: X509Certificate): boolean {
    return this.#authorities.has(cert);
  }

  /**
   * Adds a CA certificate; a certificate already present is not added again.
   *
   * @param cert The certificate.
   * @returns Nothing.
   *
   * @example Adding a certificate
   * ```ts
   * import assert from "node:assert";
   * import { X509Certificate } from "node:crypto";
   * import { TrustDomain, X509Bundle } from "@spiffe-ts/spiffe";
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
   * const bundle = new X509Bundle(TrustDomain.parse("example.org"));
   * bundle.addX509Authority(new X509Certificate(pem));
   * bundle.addX509Authority(new X509Certificate(pem)); // already there: no change
   * assert.equal(bundle.revision, 1);
   * ```
   */
  addX509Authority(cert: X509Certificate): void {
    if (this.#authorities.add(cert)) this.#revision++;
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
   * import { TrustDomain, X509Bundle } from "@spiffe-ts/spiffe";
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
   * const bundle = X509Bundle.parse(TrustDomain.parse("example.org"), pem);
   * bundle.removeX509Authority(new X509Certificate(pem));
   * assert.equal(bundle.x509Authorities().length, 0);
   * ```
   */
  removeX509Authority(cert: X509Certificate): void {
    if (this.#authorities.remove(cert)) this.#revision++;
  }

  /**
   * Short for {@linkcode X509Bundle.hasX509Authority}.
   *
   * @param cert The certificate.
   * @returns `true` when present.
   *
   * @example Short form of hasX509Authority
   * ```ts
   * import assert from "node:assert";
   * import { X509Certificate } from "node:crypto";
   * import { TrustDomain, X509Bundle } from "@spiffe-ts/spiffe";
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
   * const ca = new X509Certificate(pem);
   * assert.ok(X509Bundle.fromAuthorities(TrustDomain.parse("example.org"), [ca]).has(ca));
   * ```
   */
  has(cert: X509Certificate): boolean {
    return this.hasX509Authority(cert);
  }

  /**
   * Short for {@linkcode X509Bundle.addX509Authority}.
   *
   * @param cert The certificate.
   * @returns Nothing.
   *
   * @example Short form of addX509Authority
   * ```ts
   * import assert from "node:assert";
   * import { X509Certificate } from "node:crypto";
   * import { TrustDomain, X509Bundle } from "@spiffe-ts/spiffe";
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
   * const bundle = new X509Bundle(TrustDomain.parse("example.org"));
   * bundle.add(new X509Certificate(pem));
   * assert.equal(bundle.x509Authorities().length, 1);
   * ```
   */
  add(cert: X509Certificate): void {
    this.addX509Authority(cert);
  }

  /**
   * Short for {@linkcode X509Bundle.removeX509Authority}.
   *
   * @param cert The certificate.
   * @returns Nothing.
   *
   * @example Short form of removeX509Authority
   * ```ts
   * import assert from "node:assert";
   * import { X509Certificate } from "node:crypto";
   * import { TrustDomain, X509Bundle } from "@spiffe-ts/spiffe";
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
   * const bundle = X509Bundle.parse(TrustDomain.parse("example.org"), pem);
   * bundle.remove(new X509Certificate(pem));
   * assert.equal(bundle.x509Authorities().length, 0);
   * ```
   */
  remove(cert: X509Certificate): void {
    this.removeX509Authority(cert);
  }

  /**
   * Whether `other` belongs to the same trust domain and holds the same certificates in the same
   * order (as go-spiffe's `Equal` compares).
   *
   * @param other The bundle to compare with.
   * @returns `true` when equal.
   *
   * @example Comparing bundles
   * ```ts
   * import assert from "node:assert";
   * import { TrustDomain, X509Bundle } from "@spiffe-ts/spiffe";
   *
   * const td = TrustDomain.parse("example.org");
   * assert.ok(new X509Bundle(td).equals(new X509Bundle(td)));
   * assert.ok(!new X509Bundle(td).equals(new X509Bundle(TrustDomain.parse("other.org"))));
   * ```
   */
  equals(other: X509Bundle): boolean {
    return this.#trustDomain.equals(other.#trustDomain) &&
      this.#authorities.equals(other.#authorities);
  }

  /**
   * Encodes the authorities as PEM `CERTIFICATE` blocks, 64-character lines, one newline after
   * each block. An empty bundle gives the empty string.
   *
   * @returns The PEM text.
   *
   * @example PEM round trip
   * ```ts
   * import assert from "node:assert";
   * import { TrustDomain, X509Bundle } from "@spiffe-ts/spiffe";
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
   * const bundle = X509Bundle.parse(td, pem);
   * assert.ok(X509Bundle.parse(td, bundle.marshal()).equals(bundle));
   * ```
   */
  marshal(): string {
    return encodePemCertificates(this.#authorities.list().map((cert) => cert.raw));
  }

  /**
   * Copies the bundle; changes to the copy do not reach the original.
   *
   * @returns The copy, with revision 0.
   *
   * @example Copying a bundle
   * ```ts
   * import assert from "node:assert";
   * import { TrustDomain, X509Bundle } from "@spiffe-ts/spiffe";
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
   * const bundle = X509Bundle.parse(TrustDomain.parse("example.org"), pem);
   * const copy = bundle.clone();
   * copy.remove(copy.x509Authorities()[0]);
   * assert.equal(bundle.x509Authorities().length, 1);
   * ```
   */
  clone(): X509Bundle {
    return X509Bundle.fromAuthorities(this.#trustDomain, this.#authorities.list());
  }

  /**
   * Returns this bundle when asked for its own trust domain: a bundle is an `X509BundleSource`.
   *
   * @param trustDomain The trust domain wanted (a `TrustDomain`, or a string to parse).
   * @returns This bundle.
   * @throws {BundleError} `x509bundle: no X.509 bundle found for trust domain: "<td>"` (reason
   * `not-found`) for any other trust domain.
   * @throws {TypeError} When `trustDomain` is neither a `TrustDomain` nor a string.
   *
   * @example Using a bundle as an X509BundleSource
   * ```ts
   * import assert from "node:assert";
   * import { TrustDomain, X509Bundle } from "@spiffe-ts/spiffe";
   *
   * const bundle = new X509Bundle(TrustDomain.parse("example.org"));
   * assert.equal(bundle.getX509BundleForTrustDomain(TrustDomain.parse("example.org")), bundle);
   * assert.throws(() => bundle.getX509BundleForTrustDomain(TrustDomain.parse("other.org")), {
   *   message: 'x509bundle: no X.509 bundle found for trust domain: "other.org"',
   * });
   * ```
   */
  getX509BundleForTrustDomain(trustDomain: TrustDomain | string): X509Bundle {
    trustDomain = trustDomainArgument(
      trustDomain,
      "X509Bundle.getX509BundleForTrustDomain(trustDomain)",
    );
    if (!this.#trustDomain.equals(trustDomain)) {
      throw new BundleError(
        `x509bundle: no X.509 bundle found for trust domain: ${JSON.stringify(trustDomain.name)}`,
        { reason: "not-found" },
      );
    }
    return this;
  }

  /**
   * The bundles of this source: the bundle itself (`X509BundleSource.getX509Bundles`).
   *
   * @returns `[this]`.
   *
   * @example A bundle lists itself
   * ```ts
   * import assert from "node:assert";
   * import { TrustDomain, X509Bundle } from "@spiffe-ts/spiffe";
   *
   * const bundle = new X509Bundle(TrustDomain.parse("example.org"));
   * assert.deepEqual(bundle.getX509Bundles(), [bundle]);
   * ```
   */
  getX509Bundles(): X509Bundle[] {
    return [this];
  }
}

/**
 * Wraps a certificate parsing failure.
 *
 * @param cause The failure.
 * @returns `x509bundle: cannot parse certificate: <cause message>`, with `cause` kept.
 */
function cannotParse(cause: unknown): BundleError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new BundleError(`x509bundle: cannot parse certificate: ${reason}`, {
    cause,
    reason: "malformed",
  });
}
