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
 * A SPIFFE ID or trust domain name that breaks the SPIFFE-ID standard.
 *
 * @example
 * ```ts
 * import { SpiffeIdError, TrustDomain } from "@spiffe-ts/spiffe";
 *
 * try {
 *   TrustDomain.parse("Example.org");
 * } catch (err) {
 *   console.log(err instanceof SpiffeIdError); // true
 * }
 * ```
 */
export class SpiffeIdError extends SpiffeError {
  /**
   * Creates the error.
   *
   * @param message The reason, in go-spiffe's words.
   * @param options `cause`, if any.
   */
  constructor(message: string, options?: ErrorOptions) {
    super("ERR_SPIFFE_ID", message, options);
  }
}

/**
 * A bundle that cannot be parsed, or a trust domain that has no bundle.
 *
 * @example
 * ```ts
 * import { BundleError, TrustDomain, X509BundleSet } from "@spiffe-ts/spiffe";
 *
 * try {
 *   new X509BundleSet().getX509BundleForTrustDomain(TrustDomain.parse("example.org"));
 * } catch (err) {
 *   console.log(err instanceof BundleError); // true
 * }
 * ```
 */
export class BundleError extends SpiffeError {
  /**
   * Creates the error.
   *
   * @param message The reason, with its package prefix (`x509bundle: ...`).
   * @param options `cause`, if any.
   */
  constructor(message: string, options?: ErrorOptions) {
    super("ERR_BUNDLE", message, options);
  }
}

/**
 * An X509-SVID that cannot be parsed, or a peer chain that fails verification.
 *
 * @example
 * ```ts
 * import { X509Svid, X509SvidError } from "@spiffe-ts/spiffe";
 *
 * try {
 *   X509Svid.parse("not pem", "not pem");
 * } catch (err) {
 *   console.log(err instanceof X509SvidError); // true
 * }
 * ```
 */
export class X509SvidError extends SpiffeError {
  /**
   * Creates the error.
   *
   * @param message The reason, prefixed `x509svid: `.
   * @param options `cause`, if any.
   */
  constructor(message: string, options?: ErrorOptions) {
    super("ERR_X509_SVID", message, options);
  }
}

/**
 * A JWT-SVID that cannot be parsed or fails validation.
 *
 * @example
 * ```ts
 * import { JwtSvidError } from "@spiffe-ts/spiffe";
 *
 * const err = new JwtSvidError("jwtsvid: token has expired");
 * console.log(err.code); // "ERR_JWT_SVID"
 * ```
 */
export class JwtSvidError extends SpiffeError {
  /**
   * Creates the error.
   *
   * @param message The reason, prefixed `jwtsvid: `.
   * @param options `cause`, if any.
   */
  constructor(message: string, options?: ErrorOptions) {
    super("ERR_JWT_SVID", message, options);
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
