import { AuthorizationError } from "../errors.ts";
import { type SpiffeId, spiffeIdArgument } from "./spiffe_id.ts";
import { type TrustDomain, trustDomainArgument } from "./trust_domain.ts";

/**
 * Tests a SPIFFE ID: returns when it matches, throws an {@linkcode AuthorizationError}
 * when it does not.
 */
export type Matcher = (id: SpiffeId) => void;

/**
 * A matcher that accepts every ID. Use it only on purpose.
 *
 * @returns The matcher.
 *
 * @example
 * ```ts
 * import { matchAny, SpiffeId } from "@spiffe-ts/spiffe";
 *
 * matchAny()(SpiffeId.parse("spiffe://example.org/anything")); // does not throw
 * ```
 */
export function matchAny(): Matcher {
  return () => {};
}

/**
 * A matcher that accepts exactly `expected`.
 *
 * @param expected The one ID to accept, as a {@linkcode SpiffeId} or a string.
 * @returns The matcher; it throws `unexpected ID "<id>"` for any other ID.
 * @throws {SpiffeIdError} When `expected` is a string that is not a valid SPIFFE ID.
 * @throws {TypeError} When `expected` is neither.
 *
 * @example
 * ```ts
 * import { matchId, SpiffeId } from "@spiffe-ts/spiffe";
 *
 * const match = matchId(SpiffeId.parse("spiffe://example.org/server"));
 * match(SpiffeId.parse("spiffe://example.org/server")); // does not throw
 * ```
 */
export function matchId(expected: SpiffeId | string): Matcher {
  const want = spiffeIdArgument(expected, "matchId(expected)");
  return (id) => {
    if (!id.equals(want)) throw unexpectedId(id);
  };
}

/**
 * A matcher that accepts any one of `expected`.
 *
 * @param expected The IDs to accept, as {@linkcode SpiffeId}s or strings.
 * @returns The matcher; it throws `unexpected ID "<id>"` for any other ID.
 * @throws {SpiffeIdError} When a string is not a valid SPIFFE ID.
 * @throws {TypeError} When an ID is neither.
 *
 * @example
 * ```ts
 * import { matchOneOf, SpiffeId } from "@spiffe-ts/spiffe";
 *
 * const match = matchOneOf(
 *   SpiffeId.parse("spiffe://example.org/a"),
 *   SpiffeId.parse("spiffe://example.org/b"),
 * );
 * match(SpiffeId.parse("spiffe://example.org/b")); // does not throw
 * ```
 */
export function matchOneOf(...expected: (SpiffeId | string)[]): Matcher {
  const allowed = new Set(
    expected.map((id, i) => spiffeIdArgument(id, `matchOneOf(expected[${i}])`).toString()),
  );
  return (id) => {
    if (!allowed.has(id.toString())) throw unexpectedId(id);
  };
}

/**
 * A matcher that accepts `prefix` and every ID below it (go-spiffe's `MatchIDPrefix`): an
 * ID of the same trust domain whose path equals the prefix's path or extends it on a
 * segment boundary (`/db` accepts `/db` and `/db/replica`, not `/dbx`).
 *
 * @param prefix The ID prefix, as a {@linkcode SpiffeId} or a string; it must have a path.
 * @returns The matcher; it throws `unexpected ID "<id>"` for any other ID.
 * @throws {SpiffeIdError} When `prefix` is a string that is not a valid SPIFFE ID.
 * @throws {TypeError} When `prefix` is neither, or has no path (go-spiffe's matcher then
 * refuses every ID with `prefix must have a path`; here the mistake is reported at once).
 *
 * @example
 * ```ts
 * import { matchIdPrefix, SpiffeId } from "@spiffe-ts/spiffe";
 *
 * const match = matchIdPrefix("spiffe://example.org/db");
 * match(SpiffeId.parse("spiffe://example.org/db/replica")); // does not throw
 * ```
 */
export function matchIdPrefix(prefix: SpiffeId | string): Matcher {
  const want = spiffeIdArgument(prefix, "matchIdPrefix(prefix)");
  if (want.path === "") {
    throw new TypeError(`matchIdPrefix(prefix): prefix must have a path, got "${want}"`);
  }
  return (id) => {
    const path = id.path;
    if (
      !id.memberOf(want.trustDomain) || (path !== want.path && !path.startsWith(`${want.path}/`))
    ) {
      throw unexpectedId(id);
    }
  };
}

/**
 * A matcher that accepts every ID in `trustDomain`.
 *
 * @param trustDomain The trust domain to accept, as a {@linkcode TrustDomain} or a string.
 * @returns The matcher; it throws `unexpected trust domain "<td>"` for other domains.
 * @throws {SpiffeIdError} When `trustDomain` is a string that is not a valid trust domain.
 * @throws {TypeError} When `trustDomain` is neither.
 *
 * @example
 * ```ts
 * import { matchMemberOf, SpiffeId, TrustDomain } from "@spiffe-ts/spiffe";
 *
 * const match = matchMemberOf(TrustDomain.parse("example.org"));
 * match(SpiffeId.parse("spiffe://example.org/anything")); // does not throw
 * ```
 */
export function matchMemberOf(trustDomain: TrustDomain | string): Matcher {
  const want = trustDomainArgument(trustDomain, "matchMemberOf(trustDomain)");
  return (id) => {
    if (!id.memberOf(want)) {
      throw new AuthorizationError(`unexpected trust domain "${id.trustDomain.name}"`);
    }
  };
}

function unexpectedId(id: SpiffeId): AuthorizationError {
  return new AuthorizationError(`unexpected ID "${id}"`);
}
