import { defineInspect } from "../_internal/inspect.ts";
import { argumentError } from "../_internal/argument.ts";
import { splitId, validateIdLength, validatePath, validatePathSegment } from "./_validate.ts";
import { TrustDomain, trustDomainArgument } from "./trust_domain.ts";

/**
 * A SPIFFE ID: `spiffe://<trust domain><path>`, e.g. `spiffe://example.org/server`.
 *
 * Parsing is byte-exact per the SPIFFE-ID standard (never `new URL()`): nothing is
 * case-folded or normalized, so every valid ID has exactly one spelling and equality is
 * string equality. IDs longer than 2048 bytes and trust domains longer than 255 bytes are
 * rejected. An ID shows as `SpiffeId(spiffe://example.org/server)` in `console.log`,
 * `Deno.inspect` and Node's `util.inspect`.
 *
 * @example Parsing and inspecting an ID
 * ```ts
 * import { SpiffeId, TrustDomain } from "@spiffe-ts/spiffe";
 *
 * const id = SpiffeId.parse("spiffe://example.org/server");
 * console.log(id.trustDomain.name); // "example.org"
 * console.log(id.path); // "/server"
 * console.log(id.memberOf(TrustDomain.parse("example.org"))); // true
 * ```
 */
export class SpiffeId {
  static {
    defineInspect(this, "SpiffeId", (id) => id.#text);
  }

  readonly #trustDomain: TrustDomain;
  readonly #path: string;
  readonly #text: string;

  private constructor(trustDomain: TrustDomain, path: string) {
    this.#trustDomain = trustDomain;
    this.#path = path;
    this.#text = `spiffe://${trustDomain.name}${path}`;
  }

  /**
   * Parses a SPIFFE ID string.
   *
   * @param text The ID, e.g. `spiffe://example.org/server`.
   * @returns The ID.
   * @throws {SpiffeIdError} With go-spiffe's reason, e.g. `scheme is missing or invalid`,
   * `path cannot contain dot segments`, `path cannot have a trailing slash`.
   * @throws {TypeError} When `text` is not a string.
   *
   * @example
   * ```ts
   * import { SpiffeId } from "@spiffe-ts/spiffe";
   *
   * console.log(SpiffeId.parse("spiffe://example.org/a/b").path); // "/a/b"
   * ```
   */
  static parse(text: string): SpiffeId {
    if (typeof text !== "string") {
      throw argumentError("SpiffeId.parse(text)", "a SPIFFE ID string", text);
    }
    const parts = splitId(text);
    return new SpiffeId(TrustDomain.parse(parts.trustDomain), parts.path);
  }

  /**
   * Builds an ID from a trust domain and a path that starts with `/` (or is empty, for
   * the trust domain's own ID).
   *
   * @param trustDomain The trust domain, as a {@linkcode TrustDomain} or a string.
   * @param path The path, e.g. `/server`.
   * @returns The ID.
   * @throws {SpiffeIdError} When the path is invalid, e.g. `path must have a leading slash`.
   * @throws {TypeError} When an argument has the wrong type.
   *
   * @example
   * ```ts
   * import { SpiffeId, TrustDomain } from "@spiffe-ts/spiffe";
   *
   * const id = SpiffeId.fromPath(TrustDomain.parse("example.org"), "/server");
   * console.log(id.toString()); // "spiffe://example.org/server"
   * ```
   */
  static fromPath(trustDomain: TrustDomain | string, path: string): SpiffeId {
    trustDomain = trustDomainArgument(trustDomain, "SpiffeId.fromPath(trustDomain)");
    if (typeof path !== "string") throw argumentError("SpiffeId.fromPath(path)", "a string", path);
    validatePath(path);
    validateIdLength(trustDomain.name, path);
    return new SpiffeId(trustDomain, path);
  }

  /**
   * Builds an ID from a trust domain and path segments, each without `/`.
   *
   * @param trustDomain The trust domain, as a {@linkcode TrustDomain} or a string.
   * @param segments The path segments, e.g. `"ns", "prod"`.
   * @returns The ID.
   * @throws {SpiffeIdError} When a segment is empty, `.`, `..` or has a bad character.
   * @throws {TypeError} When an argument has the wrong type.
   *
   * @example
   * ```ts
   * import { SpiffeId, TrustDomain } from "@spiffe-ts/spiffe";
   *
   * const id = SpiffeId.fromSegments(TrustDomain.parse("example.org"), "ns", "prod");
   * console.log(id.toString()); // "spiffe://example.org/ns/prod"
   * ```
   */
  static fromSegments(trustDomain: TrustDomain | string, ...segments: string[]): SpiffeId {
    trustDomain = trustDomainArgument(trustDomain, "SpiffeId.fromSegments(trustDomain)");
    segments.forEach((segment, i) => {
      if (typeof segment !== "string") {
        throw argumentError(`SpiffeId.fromSegments(segments[${i}])`, "a string", segment);
      }
      validatePathSegment(segment);
    });
    const path = segments.map((segment) => `/${segment}`).join("");
    validateIdLength(trustDomain.name, path);
    return new SpiffeId(trustDomain, path);
  }

  /** The trust domain the ID belongs to. */
  get trustDomain(): TrustDomain {
    return this.#trustDomain;
  }

  /** The path, e.g. `/server`; `""` for the trust domain's own (root) ID. */
  get path(): string {
    return this.#path;
  }

  /**
   * Whether the ID belongs to `trustDomain`.
   *
   * @param trustDomain The trust domain to test, as a {@linkcode TrustDomain} or a string.
   * @returns `true` when the ID's trust domain is `trustDomain`.
   * @throws {SpiffeIdError} When a string is not a valid trust domain.
   * @throws {TypeError} When `trustDomain` is neither.
   *
   * @example
   * ```ts
   * import { SpiffeId, TrustDomain } from "@spiffe-ts/spiffe";
   *
   * const id = SpiffeId.parse("spiffe://example.org/server");
   * console.log(id.memberOf(TrustDomain.parse("other.org"))); // false
   * ```
   */
  memberOf(trustDomain: TrustDomain | string): boolean {
    return this.#trustDomain.equals(
      trustDomainArgument(trustDomain, "SpiffeId.memberOf(trustDomain)"),
    );
  }

  /**
   * Whether `other` is the same ID.
   *
   * @param other The ID to compare with.
   * @returns `true` when both spell the same ID.
   * @throws {TypeError} When `other` is not a `SpiffeId`.
   *
   * @example
   * ```ts
   * import { SpiffeId } from "@spiffe-ts/spiffe";
   *
   * const a = SpiffeId.parse("spiffe://example.org/a");
   * console.log(a.equals(SpiffeId.parse("spiffe://example.org/a"))); // true
   * ```
   */
  equals(other: SpiffeId): boolean {
    if (!(other instanceof SpiffeId)) {
      throw argumentError("SpiffeId.equals(other)", "a SpiffeId", other);
    }
    return this.#text === other.#text;
  }

  /**
   * The ID as a string.
   *
   * @returns e.g. `spiffe://example.org/server`.
   *
   * @example
   * ```ts
   * import { SpiffeId } from "@spiffe-ts/spiffe";
   *
   * console.log(`${SpiffeId.parse("spiffe://example.org/a")}`); // "spiffe://example.org/a"
   * ```
   */
  toString(): string {
    return this.#text;
  }

  /**
   * The ID as a string, so that `JSON.stringify` writes it.
   *
   * @returns e.g. `spiffe://example.org/server`.
   *
   * @example
   * ```ts
   * import { SpiffeId } from "@spiffe-ts/spiffe";
   *
   * console.log(JSON.stringify([SpiffeId.parse("spiffe://example.org/a")]));
   * ```
   */
  toJSON(): string {
    return this.#text;
  }
}

/**
 * A SPIFFE ID argument as JavaScript callers may pass it: a `SpiffeId`, or a string that is
 * parsed.
 *
 * @param value The argument.
 * @param where The call and parameter, for the error, e.g. `authorizeId(id)`.
 * @returns The ID.
 * @throws {SpiffeIdError} When a string is not a valid SPIFFE ID.
 * @throws {TypeError} `<where>: expected a SPIFFE ID string or SpiffeId, got <value>`.
 */
export function spiffeIdArgument(value: SpiffeId | string, where: string): SpiffeId {
  if (value instanceof SpiffeId) return value;
  if (typeof value === "string") return SpiffeId.parse(value);
  throw argumentError(where, "a SPIFFE ID string or SpiffeId", value);
}
