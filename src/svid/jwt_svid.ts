import { goQuote } from "../_internal/go_quote.ts";
import { defineInspect } from "../_internal/inspect.ts";
import { errorMessage, JwtSvidError, type JwtSvidErrorReason } from "../errors.ts";
import { SpiffeId } from "../spiffeid/spiffe_id.ts";
import type { TrustDomain } from "../spiffeid/trust_domain.ts";
import type { JwtBundle } from "../bundle/jwt_bundle.ts";
import type { JwtBundleSource } from "../bundle/source.ts";
import {
  type CompactJws,
  decodeJsonObject,
  parseCompactJws,
  UnsupportedAlgorithmError,
  verifyCompactJws,
} from "./_jws.ts";

/** Options of {@linkcode JwtSvid.parseAndValidate} and {@linkcode JwtSvid.parseInsecure}. */
export interface JwtSvidParseOptions {
  /**
   * The time `exp`, `nbf` and `iat` are checked against, each with 60 seconds of leeway.
   *
   * @default {new Date()}
   */
  time?: Date;
  /**
   * The operator's hint for this SVID, as the Workload API delivers it.
   *
   * @default {""}
   */
  hint?: string;
}

/** go-jose's `DefaultLeeway`, applied to `exp`, `nbf` and `iat`. */
const LEEWAY_MS = 60_000;
/** The largest |seconds| a `Date` can hold. */
const MAX_NUMERIC_DATE = 8.64e12;
const PARSE_ERROR = "jwtsvid: unable to parse JWT token";

/** The registered claims go-jose's `jwt.Claims` reads, type-checked. */
interface RegisteredClaims {
  sub: string | undefined;
  aud: string[];
  exp: number | undefined;
  nbf: number | undefined;
  iat: number | undefined;
}

/** Checks the signature of a token whose subject is in `trustDomain`; throws a JwtSvidError. */
type SignatureCheck = (jws: CompactJws, trustDomain: TrustDomain) => void;

/**
 * A JWT-SVID: a signed JWT whose `sub` is a SPIFFE ID (go-spiffe's `jwtsvid.SVID`).
 *
 * {@linkcode JwtSvid.parseAndValidate} checks a token a peer presented: its structure, its
 * signature with the key named by `kid` in the JWT bundle of the subject's trust domain, and its
 * `aud`, `exp`, `nbf` and `iat` claims. {@linkcode JwtSvid.parseInsecure} does the same without
 * the signature, for tokens the Workload API itself handed out.
 *
 * Only RS256/384/512, ES256/384/512 and PS256/384/512 are accepted; `alg` is checked before
 * anything else, so `none`, `HS256` and `EdDSA` tokens never reach a key. Keys come only from
 * the bundle source: `jwk`, `jku`, `x5u` and `x5c` header members are ignored.
 *
 * Every failure is a {@linkcode JwtSvidError} whose `reason` names the check that failed
 * (`expired`, `invalid-signature`, `audience-mismatch`, ...; see `JwtSvidErrorReason`).
 *
 * In `console.log`, `Deno.inspect` and Node's `util.inspect` a JWT-SVID shows its ID, hint,
 * audience and expiry: `JwtSvid { id: SpiffeId(spiffe://example.org/client), hint: "", audience: [
 * "server" ], expiresAt: 2025-01-01T00:05:00.000Z }`. Never the token (a bearer credential: whoever
 * holds it can replay it until it expires), none of its parts, and no other claim (private claims
 * may carry personal data); read {@linkcode JwtSvid.claims} for those.
 *
 * @example Minting and validating a token
 * ```ts
 * import assert from "node:assert";
 * import { Buffer } from "node:buffer";
 * import { generateKeyPairSync, sign } from "node:crypto";
 * import { JwtBundle, JwtSvid, TrustDomain } from "@spiffe-ts/spiffe";
 *
 * const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
 * const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
 * const input = b64({ alg: "ES256", kid: "key-1", typ: "JWT" }) + "." + b64({
 *   sub: "spiffe://example.org/client",
 *   aud: "server",
 *   exp: Math.floor(Date.now() / 1000) + 300,
 * });
 * const signature = sign("sha256", Buffer.from(input), {
 *   key: privateKey,
 *   dsaEncoding: "ieee-p1363",
 * });
 * const token = `${input}.${signature.toString("base64url")}`;
 *
 * const bundle = new JwtBundle(TrustDomain.parse("example.org"));
 * bundle.addJwtAuthority("key-1", publicKey);
 * const svid = JwtSvid.parseAndValidate(token, bundle, "server");
 * assert.equal(svid.id.toString(), "spiffe://example.org/client");
 * assert.deepEqual(svid.audience, ["server"]);
 * assert.equal(svid.marshal(), token);
 * ```
 */
export class JwtSvid {
  static {
    defineInspect(this, "JwtSvid", (svid) => ({
      id: svid.#id,
      hint: svid.#hint,
      audience: [...svid.#audience],
      expiresAt: svid.expiresAt,
    }));
  }

  readonly #id: SpiffeId;
  readonly #audience: readonly string[];
  readonly #expiresAt: number;
  readonly #claims: Readonly<Record<string, unknown>>;
  readonly #hint: string;
  readonly #token: string;

  private constructor(
    id: SpiffeId,
    audience: readonly string[],
    expiresAt: number,
    claims: Readonly<Record<string, unknown>>,
    hint: string,
    token: string,
  ) {
    this.#id = id;
    this.#audience = audience;
    this.#expiresAt = expiresAt;
    this.#claims = claims;
    this.#hint = hint;
    this.#token = token;
  }

  /**
   * Parses a JWT-SVID and validates it, in go-spiffe's order: the compact JWS and its `alg`;
   * `typ` (`JWT` or `JOSE` when present); the claims, read unverified; `sub` and `exp` present;
   * `sub` a SPIFFE ID; `kid` present; the JWT bundle of `sub`'s trust domain; the key named by
   * `kid`; the signature; then `aud`, `nbf`, `exp` and `iat` with 60 seconds of leeway.
   *
   * @param token The token in JWS Compact Serialization.
   * @param bundleSource Where to find the JWT bundle of the subject's trust domain.
   * @param audience The audience(s) this validator accepts; the token's `aud` must contain at
   * least one of them.
   * @param options `time` to validate at, `hint` to carry.
   * @returns The validated SVID.
   * @throws {TypeError} When `audience` is empty (or holds an empty string), or an argument has
   * the wrong type.
   * @throws {JwtSvidError} e.g. `jwtsvid: unable to parse JWT token: unsupported signature
   * algorithm "HS256"`, `jwtsvid: token header missing key id`,
   * `jwtsvid: no bundle found for trust domain "example.org"`,
   * `jwtsvid: no JWT authority "key-1" found for trust domain "example.org"`,
   * `jwtsvid: unable to get claims from token: go-jose/go-jose: error in cryptographic
   * primitive`, `jwtsvid: expected audience in ["server"] (audience=["other"])`,
   * `jwtsvid: token has expired`, or go-jose's unprefixed
   * `go-jose/go-jose/jwt: validation failed, token not valid yet (nbf)`.
   *
   * @example Validating a token from a request
   * ```ts ignore
   * import { JwtBundleSet, JwtSvid } from "@spiffe-ts/spiffe";
   *
   * declare const bundles: JwtBundleSet, request: Request;
   * const token = request.headers.get("authorization")?.replace(/^Bearer /, "") ?? "";
   * const svid = JwtSvid.parseAndValidate(token, bundles, "spiffe://example.org/server");
   * console.log(svid.id.toString(), svid.expiresAt);
   * ```
   */
  static parseAndValidate(
    token: string,
    bundleSource: JwtBundleSource,
    audience: string | readonly string[],
    options: JwtSvidParseOptions = {},
  ): JwtSvid {
    if (typeof bundleSource?.getJwtBundleForTrustDomain !== "function") {
      throw new TypeError("bundleSource must have a getJwtBundleForTrustDomain method");
    }
    return JwtSvid.#parse(token, audience, options, (jws, trustDomain) => {
      if (jws.kid === undefined || jws.kid === "") {
        throw fail("missing-key-id", "jwtsvid: token header missing key id");
      }
      const td = JSON.stringify(trustDomain.name);
      let bundle: JwtBundle | undefined;
      try {
        bundle = bundleSource.getJwtBundleForTrustDomain(trustDomain);
      } catch (err) {
        throw fail("bundle-not-found", `jwtsvid: no bundle found for trust domain ${td}`, err);
      }
      if (!bundle) {
        throw fail("bundle-not-found", `jwtsvid: no bundle found for trust domain ${td}`);
      }
      const key = bundle.findJwtAuthority(jws.kid);
      if (key === undefined) {
        throw fail(
          "authority-not-found",
          `jwtsvid: no JWT authority ${JSON.stringify(jws.kid)} found for trust domain ${td}`,
        );
      }
      try {
        verifyCompactJws(jws, key);
      } catch (err) {
        throw fail(
          "invalid-signature",
          "jwtsvid: unable to get claims from token: go-jose/go-jose: error in cryptographic primitive",
          err,
        );
      }
    });
  }

  /**
   * Parses a JWT-SVID and validates everything but its signature: the same steps as
   * {@linkcode JwtSvid.parseAndValidate} without `kid`, bundle and signature. Use it only for
   * tokens from a trusted channel, such as those the Workload API hands out; never for a token
   * a peer presented.
   *
   * @param token The token in JWS Compact Serialization.
   * @param audience The audience(s) expected; the token's `aud` must contain at least one.
   * @param options `time` to validate at, `hint` to carry.
   * @returns The SVID.
   * @throws {TypeError} When `audience` is empty (or holds an empty string), or an argument has
   * the wrong type.
   * @throws {JwtSvidError} As {@linkcode JwtSvid.parseAndValidate}, minus the key and
   * signature errors.
   *
   * @example Reading a token the Workload API returned
   * ```ts ignore
   * import { JwtSvid } from "@spiffe-ts/spiffe";
   *
   * declare const token: string, hint: string;
   * const svid = JwtSvid.parseInsecure(token, ["spiffe://example.org/server"], { hint });
   * console.log(svid.id.toString(), svid.audience, svid.expiresAt);
   * ```
   */
  static parseInsecure(
    token: string,
    audience: string | readonly string[],
    options: JwtSvidParseOptions = {},
  ): JwtSvid {
    return JwtSvid.#parse(token, audience, options, () => {});
  }

  static #parse(
    token: string,
    audience: string | readonly string[],
    options: JwtSvidParseOptions,
    checkSignature: SignatureCheck,
  ): JwtSvid {
    const expected = expectedAudience(audience);
    if (typeof token !== "string") throw new TypeError("token must be a string");
    const { time = new Date(), hint = "" } = options ?? {};
    if (!(time instanceof Date) || Number.isNaN(time.getTime())) {
      throw new TypeError("options.time must be a valid Date");
    }
    if (typeof hint !== "string") throw new TypeError("options.hint must be a string");

    // (1) compact JWS with the alg allow-list.
    const jws = parseOrThrow(() => parseCompactJws(token));
    // (2) typ.
    if (Object.hasOwn(jws.header, "typ") && jws.header.typ !== "JWT" && jws.header.typ !== "JOSE") {
      throw fail("invalid-type", "jwtsvid: token header type not equal to either JWT or JOSE");
    }
    // (3) the claims, unverified.
    const claims = parseOrThrow(() => decodeJsonObject(jws.payload, "payload"));
    const registered = parseOrThrow(() => registeredClaims(claims));
    // (4) sub and (5) exp present.
    if (registered.sub === undefined || registered.sub === "") {
      throw fail("missing-subject", "jwtsvid: token missing subject claim");
    }
    if (registered.exp === undefined) {
      throw fail("missing-expiration", "jwtsvid: token missing exp claim");
    }
    // (6) sub is a SPIFFE ID.
    let id: SpiffeId;
    try {
      id = SpiffeId.parse(registered.sub);
    } catch (err) {
      throw fail(
        "invalid-subject",
        `jwtsvid: token has an invalid subject claim: ${errorMessage(err)}`,
        err,
      );
    }
    // (7)-(10) kid, bundle, key, signature.
    checkSignature(jws, id.trustDomain);
    // (11) aud, nbf, exp, iat.
    validateClaims(registered, expected, time.getTime());
    return new JwtSvid(
      id,
      Object.freeze(registered.aud),
      registered.exp * 1000,
      deepFreeze(claims),
      hint,
      token,
    );
  }

  /** The SPIFFE ID in the `sub` claim. */
  get id(): SpiffeId {
    return this.#id;
  }

  /** The `aud` claim, as an array even when the token holds a single string. */
  get audience(): string[] {
    return [...this.#audience];
  }

  /** When the token expires: its `exp` claim, in whole seconds. */
  get expiresAt(): Date {
    return new Date(this.#expiresAt);
  }

  /** Every claim of the payload, registered and private, deeply frozen. */
  get claims(): Record<string, unknown> {
    return this.#claims;
  }

  /** The operator's hint for the SVID (`""` when none was given). */
  get hint(): string {
    return this.#hint;
  }

  /** The token exactly as it was parsed. */
  get token(): string {
    return this.#token;
  }

  /**
   * The token, for sending on (e.g. as `Authorization: Bearer <token>`).
   *
   * @returns The compact token exactly as it was parsed.
   *
   * @example Forwarding a token
   * ```ts ignore
   * import type { JwtSvid } from "@spiffe-ts/spiffe";
   *
   * declare const svid: JwtSvid;
   * await fetch("https://server.example.org/", {
   *   headers: { authorization: `Bearer ${svid.marshal()}` },
   * });
   * ```
   */
  marshal(): string {
    return this.#token;
  }
}

function expectedAudience(audience: string | readonly string[]): string[] {
  const list = typeof audience === "string"
    ? [audience]
    : Array.isArray(audience)
    ? [...audience]
    : [];
  if (list.length === 0 || list.some((value) => typeof value !== "string" || value === "")) {
    throw new TypeError(
      "audience must be a non-empty string or a non-empty array of non-empty strings",
    );
  }
  return list;
}

function parseOrThrow<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    const reason = err instanceof UnsupportedAlgorithmError ? "algorithm-not-allowed" : "malformed";
    throw fail(reason, `${PARSE_ERROR}: ${errorMessage(err)}`, err);
  }
}

/**
 * A validation failure.
 *
 * @param reason Which check failed.
 * @param message go-spiffe's (or go-jose's) text.
 * @param cause The underlying failure; given only when there is one.
 * @returns The error.
 */
function fail(reason: JwtSvidErrorReason, message: string, ...cause: [unknown?]): JwtSvidError {
  return new JwtSvidError(message, cause.length === 0 ? { reason } : { reason, cause: cause[0] });
}

/** A claim's value; `null` counts as absent, as Go's JSON decoding treats it. */
function claim(claims: Record<string, unknown>, name: string): unknown {
  return Object.hasOwn(claims, name) && claims[name] !== null ? claims[name] : undefined;
}

/** The registered claims with go-jose's types: strings, a string-or-array aud, NumericDates. */
function registeredClaims(claims: Record<string, unknown>): RegisteredClaims {
  for (const name of ["sub", "iss", "jti"]) {
    const value = claim(claims, name);
    if (value !== undefined && typeof value !== "string") {
      throw new SyntaxError(`"${name}" claim must be a string`);
    }
  }
  const aud = claim(claims, "aud");
  if (
    aud !== undefined && typeof aud !== "string" &&
    !(Array.isArray(aud) && aud.every((value) => typeof value === "string"))
  ) {
    throw new SyntaxError('"aud" claim must be a string or an array of strings');
  }
  return {
    sub: claim(claims, "sub") as string | undefined,
    aud: aud === undefined ? [] : typeof aud === "string" ? [aud] : [...aud as string[]],
    exp: numericDate(claims, "exp"),
    nbf: numericDate(claims, "nbf"),
    iat: numericDate(claims, "iat"),
  };
}

/** A NumericDate (RFC 7519 §2) in whole seconds, truncated as go-jose does. */
function numericDate(claims: Record<string, unknown>, name: string): number | undefined {
  const value = claim(claims, name);
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new SyntaxError(`"${name}" claim must be a number`);
  }
  const seconds = Math.trunc(value);
  if (Math.abs(seconds) > MAX_NUMERIC_DATE) throw new RangeError(`"${name}" claim is out of range`);
  return seconds + 0; // no -0
}

/** go-jose's `Claims.ValidateWithLeeway` with `AnyAudience` and the default leeway. */
function validateClaims(claims: RegisteredClaims, expected: readonly string[], now: number): void {
  if (!expected.some((value) => claims.aud.includes(value))) {
    throw fail(
      "audience-mismatch",
      `jwtsvid: expected audience in ${goQuoteList(expected)} (audience=${
        goQuoteList(claims.aud)
      })`,
    );
  }
  if (claims.nbf !== undefined && now + LEEWAY_MS < claims.nbf * 1000) {
    throw fail(
      "not-yet-valid",
      "go-jose/go-jose/jwt: validation failed, token not valid yet (nbf)",
    );
  }
  if (claims.exp !== undefined && now - LEEWAY_MS > claims.exp * 1000) {
    throw fail("expired", "jwtsvid: token has expired");
  }
  if (claims.iat !== undefined && now + LEEWAY_MS < claims.iat * 1000) {
    // go-jose's wording, typo included.
    throw fail(
      "issued-in-the-future",
      "go-jose/go-jose/jwt: validation field, token issued in the future (iat)",
    );
  }
}

/** A string list as Go's `%q` prints a `[]string`: `["a" "b"]`. */
function goQuoteList(values: readonly string[]): string {
  return `[${values.map(goQuote).join(" ")}]`;
}

/** Freezes parsed JSON and everything in it; iterative, so deep nesting cannot overflow. */
function deepFreeze<T>(value: T): T {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (typeof next === "object" && next !== null && !Object.isFrozen(next)) {
      Object.freeze(next);
      for (const member of Object.values(next)) pending.push(member);
    }
  }
  return value;
}
