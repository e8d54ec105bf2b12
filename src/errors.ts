/**
 * The typed errors of spiffe-ts. Every error the library throws on bad input is a
 * {@linkcode SpiffeError} with a stable {@linkcode SpiffeError.code}, so callers can
 * `switch (err.code)`; the message uses go-spiffe's wording and the original
 * failure, if any, is kept as `cause`.
 *
 * @module
 */

/** The stable codes carried by {@linkcode SpiffeError}s. */
export type SpiffeErrorCode =
  | "ERR_SPIFFE_ID"
  | "ERR_BUNDLE"
  | "ERR_X509_SVID"
  | "ERR_JWT_SVID"
  | "ERR_WORKLOAD_API"
  | "ERR_ENDPOINT_ADDRESS"
  | "ERR_SOURCE_CLOSED"
  | "ERR_AUTHORIZATION";

/**
 * The base class of every error spiffe-ts throws for bad input or a refused peer.
 *
 * @example Telling errors apart by code
 * ```ts
 * import { SpiffeError, SpiffeId } from "@spiffe-ts/spiffe";
 * import assert from "node:assert";
 *
 * try {
 *   SpiffeId.parse("spiffe://example.org/a/../b");
 * } catch (err) {
 *   if (!(err instanceof SpiffeError)) throw err;
 *   assert.equal(err.code, "ERR_SPIFFE_ID");
 *   assert.equal(err.message, "path cannot contain dot segments");
 * }
 * ```
 */
export class SpiffeError extends Error {
  /** What kind of failure this is; stable across releases. */
  readonly code: SpiffeErrorCode;

  /**
   * Creates an error.
   *
   * @param code The stable code.
   * @param message The human-readable reason, without a final period.
   * @param options `cause`: the underlying error, if any.
   */
  constructor(code: SpiffeErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/**
 * Why a SPIFFE ID or trust domain was refused ({@linkcode SpiffeIdError.reason}), named after
 * go-spiffe's error variables; the message is go-spiffe's text:
 *
 * - `empty`: `cannot be empty`
 * - `wrong-scheme`: `scheme is missing or invalid`
 * - `missing-trust-domain`: `trust domain is missing`
 * - `bad-trust-domain-char`: `trust domain characters are limited to lowercase letters, numbers,
 *   dots, dashes, and underscores`
 * - `bad-path-segment-char`: `path segment characters are limited to letters, numbers, dots,
 *   dashes, and underscores`
 * - `empty-segment`: `path cannot contain empty segments`
 * - `dot-segment`: `path cannot contain dot segments`
 * - `trailing-slash`: `path cannot have a trailing slash`
 * - `no-leading-slash`: `path must have a leading slash`
 * - `id-too-long`: `SPIFFE ID cannot be longer than 2048 bytes`
 * - `trust-domain-too-long`: `trust domain cannot be longer than 255 bytes`
 */
export type SpiffeIdErrorReason =
  | "empty"
  | "wrong-scheme"
  | "missing-trust-domain"
  | "bad-trust-domain-char"
  | "bad-path-segment-char"
  | "empty-segment"
  | "dot-segment"
  | "trailing-slash"
  | "no-leading-slash"
  | "id-too-long"
  | "trust-domain-too-long";

/**
 * A SPIFFE ID or trust domain name that breaks the SPIFFE-ID standard.
 *
 * @example Telling failures apart by reason
 * ```ts
 * import assert from "node:assert";
 * import { SpiffeIdError, TrustDomain } from "@spiffe-ts/spiffe";
 *
 * try {
 *   TrustDomain.parse("Example.org");
 * } catch (err) {
 *   assert.ok(err instanceof SpiffeIdError);
 *   assert.equal(err.reason, "bad-trust-domain-char");
 * }
 * ```
 */
export class SpiffeIdError extends SpiffeError {
  /** Which rule was broken; `undefined` only for errors created without one. */
  readonly reason: SpiffeIdErrorReason | undefined;

  /**
   * Creates the error.
   *
   * @param message The reason, in go-spiffe's words.
   * @param options `reason`: which rule was broken; `cause`, if any.
   */
  constructor(message: string, options: ErrorOptions & { reason?: SpiffeIdErrorReason } = {}) {
    super("ERR_SPIFFE_ID", message, options);
    this.reason = options.reason;
  }
}

/**
 * Why a bundle operation failed ({@linkcode BundleError.reason}); `<p>` is the package prefix
 * (`x509bundle`, `jwtbundle` or `spiffebundle`):
 *
 * - `not-found`: the source has no bundle for the trust domain asked for
 *   (`<p>: no X.509 bundle for trust domain "<td>"`, `... no JWT bundle ...`,
 *   `... no SPIFFE bundle ...`).
 * - `malformed`: the bundle cannot be read (`x509bundle: cannot parse certificate: ...`,
 *   `<p>: unable to parse JWKS: ...`, or `<p>: error adding authority <i> of JWKS: ...` for a key
 *   that cannot be imported).
 * - `no-authorities`: a JWKS without `keys` (`<p>: no authorities found`).
 * - `missing-key-id`: a JWT authority without key ID (`<p>: keyID cannot be empty`, also after
 *   `error adding authority <i> of JWKS: `).
 * - `not-public-key`: a JWT authority that is a private or secret key
 *   (`<p>: JWT authority must be a public key`).
 * - `invalid-trust-domain`: a bundle map key that is no trust domain
 *   (`<p>: invalid trust domain "<key>": ...`).
 * - `duplicate-trust-domain`: a bundle map naming a trust domain twice
 *   (`<p>: duplicate bundle for trust domain "<td>"`).
 * - `marshal-failed`: an X.509 authority whose key cannot be written as a JWK
 *   (`spiffebundle: cannot marshal X.509 authority <i>: ...`).
 *
 * A bundle map entry that fails to parse (`<p>: cannot parse bundle for trust domain "<td>": ...`)
 * keeps the reason of the entry's own failure.
 */
export type BundleErrorReason =
  | "not-found"
  | "malformed"
  | "no-authorities"
  | "missing-key-id"
  | "not-public-key"
  | "invalid-trust-domain"
  | "duplicate-trust-domain"
  | "marshal-failed";

/**
 * A bundle that cannot be parsed, or a trust domain that has no bundle.
 *
 * @example Telling a missing bundle from a broken one
 * ```ts
 * import assert from "node:assert";
 * import { BundleError, TrustDomain, X509BundleSet } from "@spiffe-ts/spiffe";
 *
 * try {
 *   new X509BundleSet().getX509BundleForTrustDomain(TrustDomain.parse("example.org"));
 * } catch (err) {
 *   assert.ok(err instanceof BundleError);
 *   assert.equal(err.reason, "not-found");
 * }
 * ```
 */
export class BundleError extends SpiffeError {
  /** What went wrong; `undefined` only for errors created without one. */
  readonly reason: BundleErrorReason | undefined;

  /**
   * Creates the error.
   *
   * @param message The reason, with its package prefix (`x509bundle: ...`).
   * @param options `reason`: what went wrong; `cause`, if any.
   */
  constructor(message: string, options: ErrorOptions & { reason?: BundleErrorReason } = {}) {
    super("ERR_BUNDLE", message, options);
    this.reason = options.reason;
  }
}

/**
 * Why an X509-SVID was refused ({@linkcode X509SvidError.reason}). Parsing an own SVID
 * (`X509Svid.parse`, `X509Svid.parseRaw`):
 *
 * - `malformed-certificate`: `x509svid: cannot parse PEM encoded certificate: ...` (or `DER`).
 * - `malformed-private-key`: `x509svid: cannot parse PEM encoded private key: ...` (or `DER`).
 * - `no-certificates`: `x509svid: certificate validation failed: no certificates found`.
 * - `invalid-certificate`: any other `x509svid: certificate validation failed: ...` (the leaf's
 *   SPIFFE ID, CA flag and key usages, the signing certificates' CA flag and key usage).
 * - `invalid-private-key`: `x509svid: private key validation failed: ...` (a key that does not
 *   match the leaf, or of an unsupported type).
 *
 * Verifying a peer's chain (`verifyX509Svid`, `verifyX509SvidSync`):
 *
 * - `no-certificates`: `x509svid: empty certificates chain`.
 * - `too-many-certificates`: `x509svid: too many certificates: ...`.
 * - `malformed-certificate`: `x509svid: unable to parse certificate: ...`.
 * - `invalid-certificate`: the leaf breaks the X509-SVID rules
 *   (`x509svid: could not get leaf SPIFFE ID: ...`, `x509svid: leaf certificate with CA flag set
 *   to true`, ...).
 * - `bundle-not-found`: no X.509 bundle for the leaf's trust domain
 *   (`x509svid: could not get X509 bundle: ...`, `x509svid: bundleSource is required`).
 * - `expired`, `not-yet-valid`: a certificate of every candidate chain is outside its validity
 *   period (`x509svid: could not verify leaf certificate: x509: certificate has expired or is not
 *   yet valid: ...`).
 * - `unknown-authority`: no chain reaches the bundle
 *   (`... x509: certificate signed by unknown authority`).
 * - `invalid-chain`: a chain reaches the bundle but breaks a rule of RFC 5280 or of the signature
 *   policy (`... x509: certificate is not authorized to sign other certificates`, name
 *   constraints, path length, insecure algorithms, bad signatures, the work limits, ...).
 */
export type X509SvidErrorReason =
  | "malformed-certificate"
  | "malformed-private-key"
  | "no-certificates"
  | "invalid-certificate"
  | "invalid-private-key"
  | "too-many-certificates"
  | "bundle-not-found"
  | "expired"
  | "not-yet-valid"
  | "unknown-authority"
  | "invalid-chain";

/**
 * An X509-SVID that cannot be parsed, or a peer chain that fails verification.
 *
 * @example Telling failures apart by reason
 * ```ts
 * import assert from "node:assert";
 * import { X509Svid, X509SvidError } from "@spiffe-ts/spiffe";
 *
 * try {
 *   X509Svid.parse("not pem", "not pem");
 * } catch (err) {
 *   assert.ok(err instanceof X509SvidError);
 *   assert.equal(err.reason, "malformed-certificate");
 * }
 * ```
 */
export class X509SvidError extends SpiffeError {
  /**
   * What went wrong. `undefined` for errors created without one, such as those the TLS layer
   * and `X509Source` raise about a connection's or a source's state.
   */
  readonly reason: X509SvidErrorReason | undefined;

  /**
   * Creates the error.
   *
   * @param message The reason, prefixed `x509svid: `.
   * @param options `reason`: what went wrong; `cause`, if any.
   */
  constructor(message: string, options: ErrorOptions & { reason?: X509SvidErrorReason } = {}) {
    super("ERR_X509_SVID", message, options);
    this.reason = options.reason;
  }
}

/**
 * Why a JWT-SVID was refused ({@linkcode JwtSvidError.reason}), in the order
 * `JwtSvid.parseAndValidate` checks:
 *
 * - `malformed`: `jwtsvid: unable to parse JWT token: ...` (not a compact JWS, bad base64url or
 *   JSON, a registered claim of the wrong type, a `crit` header).
 * - `algorithm-not-allowed`: `jwtsvid: unable to parse JWT token: unsupported signature algorithm
 *   "<alg>"` (anything but RS, ES and PS 256/384/512).
 * - `invalid-type`: `jwtsvid: token header type not equal to either JWT or JOSE`.
 * - `missing-subject`: `jwtsvid: token missing subject claim`.
 * - `missing-expiration`: `jwtsvid: token missing exp claim`.
 * - `invalid-subject`: `jwtsvid: token has an invalid subject claim: ...`.
 * - `missing-key-id`: `jwtsvid: token header missing key id`.
 * - `bundle-not-found`: `jwtsvid: no bundle found for trust domain "<td>"`.
 * - `authority-not-found`: `jwtsvid: no JWT authority "<kid>" found for trust domain "<td>"`.
 * - `invalid-signature`: `jwtsvid: unable to get claims from token: go-jose/go-jose: error in
 *   cryptographic primitive` (a bad signature, or a key that does not fit `alg`).
 * - `audience-mismatch`: `jwtsvid: expected audience in [...] (audience=[...])`.
 * - `not-yet-valid`: `go-jose/go-jose/jwt: validation failed, token not valid yet (nbf)`.
 * - `expired`: `jwtsvid: token has expired`.
 * - `issued-in-the-future`: `go-jose/go-jose/jwt: validation field, token issued in the future
 *   (iat)`.
 */
export type JwtSvidErrorReason =
  | "malformed"
  | "algorithm-not-allowed"
  | "invalid-type"
  | "missing-subject"
  | "missing-expiration"
  | "invalid-subject"
  | "missing-key-id"
  | "bundle-not-found"
  | "authority-not-found"
  | "invalid-signature"
  | "audience-mismatch"
  | "not-yet-valid"
  | "expired"
  | "issued-in-the-future";

/**
 * A JWT-SVID that cannot be parsed or fails validation.
 *
 * @example Telling an expired token from a forged one
 * ```ts
 * import { JwtSvidError } from "@spiffe-ts/spiffe";
 *
 * const err = new JwtSvidError("jwtsvid: token has expired", { reason: "expired" });
 * console.log(err.code, err.reason); // "ERR_JWT_SVID" "expired"
 * ```
 */
export class JwtSvidError extends SpiffeError {
  /** Which check failed; `undefined` only for errors created without one. */
  readonly reason: JwtSvidErrorReason | undefined;

  /**
   * Creates the error.
   *
   * @param message The reason, prefixed `jwtsvid: `.
   * @param options `reason`: which check failed; `cause`, if any.
   */
  constructor(message: string, options: ErrorOptions & { reason?: JwtSvidErrorReason } = {}) {
    super("ERR_JWT_SVID", message, options);
    this.reason = options.reason;
  }
}

/**
 * A peer whose SPIFFE ID the authorizer (or matcher) refused.
 *
 * @example
 * ```ts
 * import { AuthorizationError, matchId, SpiffeId } from "@spiffe-ts/spiffe";
 *
 * const match = matchId(SpiffeId.parse("spiffe://example.org/server"));
 * try {
 *   match(SpiffeId.parse("spiffe://example.org/client"));
 * } catch (err) {
 *   console.log(err instanceof AuthorizationError); // true
 *   console.log((err as Error).message); // unexpected ID "spiffe://example.org/client"
 * }
 * ```
 */
export class AuthorizationError extends SpiffeError {
  /**
   * Creates the error.
   *
   * @param message The reason, e.g. `unexpected ID "spiffe://example.org/x"`.
   * @param options `cause`, if any.
   */
  constructor(message: string, options?: ErrorOptions) {
    super("ERR_AUTHORIZATION", message, options);
  }
}

/**
 * A Workload API call or watch that failed. `grpcCode` carries the gRPC status code
 * when the failure came from the server or the transport (e.g. 7 = PermissionDenied,
 * 14 = Unavailable), and `grpcStatus` its name.
 *
 * @example
 * ```ts
 * import { WorkloadApiError } from "@spiffe-ts/spiffe";
 *
 * const err = new WorkloadApiError("no identity issued", { grpcCode: 7 });
 * console.log(err.grpcStatus); // "PERMISSION_DENIED"
 * ```
 */
export class WorkloadApiError extends SpiffeError {
  /** The gRPC status code, when there is one. */
  readonly grpcCode: number | undefined;

  /**
   * Creates the error.
   *
   * @param message The reason.
   * @param options `grpcCode`: the gRPC status code; `cause`, if any.
   */
  constructor(message: string, options: ErrorOptions & { grpcCode?: number } = {}) {
    super("ERR_WORKLOAD_API", message, options);
    this.grpcCode = options.grpcCode;
  }

  /** The name of the gRPC status code (e.g. `UNAVAILABLE`), or `undefined`. */
  get grpcStatus(): string | undefined {
    return this.grpcCode === undefined ? undefined : grpcStatusName(this.grpcCode);
  }
}

/** Where a Workload API endpoint address came from. */
export type EndpointAddressOrigin = "SPIFFE_ENDPOINT_SOCKET" | "address option";

/**
 * A Workload API endpoint address that cannot be used (SPIFFE Workload Endpoint §4): none
 * is configured, it is not a valid `unix:` or `tcp:` URI, or its unix path holds something
 * other than a socket. The message names the value, where it came from and how to fix it,
 * e.g. `workload endpoint unix socket URI must have an absolute path: SPIFFE_ENDPOINT_SOCKET
 * is "unix:agent.sock"; use unix:///absolute/path`.
 *
 * @example
 * ```ts
 * import { EndpointAddressError, WorkloadApiClient } from "@spiffe-ts/spiffe";
 *
 * try {
 *   new WorkloadApiClient({ address: "tcp://localhost:8081" });
 * } catch (err) {
 *   console.log(err instanceof EndpointAddressError); // true
 *   console.log((err as EndpointAddressError).origin); // "address option"
 * }
 * ```
 */
export class EndpointAddressError extends SpiffeError {
  /** The address as configured, when there is one. */
  readonly address: string | undefined;
  /** Where {@linkcode EndpointAddressError.address} came from. */
  readonly origin: EndpointAddressOrigin | undefined;

  /**
   * Creates the error.
   *
   * @param message The reason, the value and the fix.
   * @param options `address` and `origin` of the value; `cause`, if any.
   */
  constructor(
    message: string,
    options: ErrorOptions & { address?: string; origin?: EndpointAddressOrigin } = {},
  ) {
    super("ERR_ENDPOINT_ADDRESS", message, options);
    this.address = options.address;
    this.origin = options.origin;
  }
}

const GRPC_STATUS_NAMES: readonly string[] = [
  "OK",
  "CANCELLED",
  "UNKNOWN",
  "INVALID_ARGUMENT",
  "DEADLINE_EXCEEDED",
  "NOT_FOUND",
  "ALREADY_EXISTS",
  "PERMISSION_DENIED",
  "RESOURCE_EXHAUSTED",
  "FAILED_PRECONDITION",
  "ABORTED",
  "OUT_OF_RANGE",
  "UNIMPLEMENTED",
  "INTERNAL",
  "UNAVAILABLE",
  "DATA_LOSS",
  "UNAUTHENTICATED",
];

/**
 * The name of a gRPC status code.
 *
 * @param code The numeric code.
 * @returns e.g. `UNAVAILABLE`, or `CODE_<n>` for codes gRPC does not define.
 */
export function grpcStatusName(code: number): string {
  return GRPC_STATUS_NAMES[code] ?? `CODE_${code}`;
}

/**
 * A call on a source (or client) that was already closed.
 *
 * @example
 * ```ts
 * import { SourceClosedError } from "@spiffe-ts/spiffe";
 *
 * const err = new SourceClosedError("x509source: source is closed");
 * console.log(err.code); // "ERR_SOURCE_CLOSED"
 * ```
 */
export class SourceClosedError extends SpiffeError {
  /**
   * Creates the error.
   *
   * @param message The reason, e.g. `x509source: source is closed`.
   * @param options `cause`, if any.
   */
  constructor(message: string, options?: ErrorOptions) {
    super("ERR_SOURCE_CLOSED", message, options);
  }
}

/**
 * The message of any thrown value, for wrapping it into a typed error.
 *
 * @param err What was thrown.
 * @returns Its message, or its string form.
 */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
