import { defineInspect } from "../_internal/inspect.ts";
import { argumentError } from "../_internal/argument.ts";
import { splitId, validateTrustDomainName } from "./_validate.ts";

/**
 * A SPIFFE trust domain: the authority part of a SPIFFE ID, e.g. `example.org`.
 *
 * Instances are immutable and compare by name with {@linkcode TrustDomain.equals}. They show
 * as `TrustDomain(example.org)` in `console.log`, `Deno.inspect` and Node's `util.inspect`.
 *
 * @example Parsing a trust domain
 * ```ts
 * import { TrustDomain } from "@spiffe-ts/spiffe";
 *
 * const td = TrustDomain.parse("example.org");
 * console.log(td.name); // "example.org"
 * console.log(td.idString()); // "spiffe://example.org"
 * console.log(TrustDomain.parse("spiffe://example.org/workload").equals(td)); // true
 * ```
 */
export class TrustDomain {
  static {
    defineInspect(this, "TrustDomain", (td) => td.#name);
  }

  readonly #name: string;

  private constructor(name: string) {
    this.#name = name;
  }

  /**
   * Parses a trust domain from a bare name (`example.org`) or from any valid SPIFFE ID
   * (`spiffe://example.org/path`), whose trust domain it takes, as go-spiffe's
   * `TrustDomainFromString` does. Nothing is case-folded: uppercase is an error.
   *
   * @param text The name or SPIFFE ID.
   * @returns The trust domain.
   * @throws {SpiffeIdError} When the text breaks the SPIFFE-ID rules, e.g. `trust domain
   * characters are limited to lowercase letters, numbers, dots, dashes, and underscores`.
   * @throws {TypeError} When `text` is not a string.
   *
   * @example
   * ```ts
   * import { TrustDomain } from "@spiffe-ts/spiffe";
   *
   * console.log(TrustDomain.parse("spiffe://example.org").name); // "example.org"
   * ```
   */
  static parse(text: string): TrustDomain {
    if (typeof text !== "string") {
      throw argumentError("TrustDomain.parse(text)", "a trust domain string", text);
    }
    if (text.includes(":/")) return new TrustDomain(splitId(text).trustDomain);
    validateTrustDomainName(text);
    return new TrustDomain(text);
  }

  /** The trust domain name, e.g. `example.org`. */
  get name(): string {
    return this.#name;
  }

  /**
   * The SPIFFE ID of the trust domain itself, as a string.
   *
   * @returns e.g. `spiffe://example.org`.
   *
   * @example
   * ```ts
   * import { TrustDomain } from "@spiffe-ts/spiffe";
   *
   * console.log(TrustDomain.parse("example.org").idString()); // "spiffe://example.org"
   * ```
   */
  idString(): string {
    return `spiffe://${this.#name}`;
  }

  /**
   * Whether `other` is the same trust domain.
   *
   * @param other The trust domain to compare with.
   * @returns `true` when the names are equal.
   * @throws {TypeError} When `other` is not a `TrustDomain`.
   *
   * @example
   * ```ts
   * import { TrustDomain } from "@spiffe-ts/spiffe";
   *
   * console.log(TrustDomain.parse("a.org").equals(TrustDomain.parse("a.org"))); // true
   * ```
   */
  equals(other: TrustDomain): boolean {
    if (!(other instanceof TrustDomain)) {
      throw argumentError("TrustDomain.equals(other)", "a TrustDomain", other);
    }
    return this.#name === other.#name;
  }

  /**
   * The trust domain name.
   *
   * @returns e.g. `example.org`.
   *
   * @example
   * ```ts
   * import { TrustDomain } from "@spiffe-ts/spiffe";
   *
   * console.log(`${TrustDomain.parse("example.org")}`); // "example.org"
   * ```
   */
  toString(): string {
    return this.#name;
  }

  /**
   * The trust domain name, so that `JSON.stringify` writes the name.
   *
   * @returns e.g. `example.org`.
   *
   * @example
   * ```ts
   * import { TrustDomain } from "@spiffe-ts/spiffe";
   *
   * console.log(JSON.stringify({ td: TrustDomain.parse("example.org") })); // {"td":"example.org"}
   * ```
   */
  toJSON(): string {
    return this.#name;
  }
}

/**
 * A trust domain argument as JavaScript callers may pass it: a `TrustDomain`, or a string that is
 * parsed (a name or a SPIFFE ID, as {@linkcode TrustDomain.parse} takes).
 *
 * @param value The argument.
 * @param where The call and parameter, for the error, e.g. `X509Bundle.parse(trustDomain)`.
 * @returns The trust domain.
 * @throws {SpiffeIdError} When a string is not a valid trust domain.
 * @throws {TypeError} `<where>: expected a trust domain string or TrustDomain, got <value>`.
 */
export function trustDomainArgument(value: TrustDomain | string, where: string): TrustDomain {
  if (value instanceof TrustDomain) return value;
  if (typeof value === "string") return TrustDomain.parse(value);
  throw argumentError(where, "a trust domain string or TrustDomain", value);
}
