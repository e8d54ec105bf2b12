import { AuthorizationError } from "../errors.ts";
import type { SpiffeId } from "./spiffe_id.ts";
import type { TrustDomain } from "./trust_domain.ts";

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
 * @param expected The one ID to accept.
 * @returns The matcher; it throws `unexpected ID "<id>"` for any other ID.
 *
 * @example
 * ```ts
 * import { matchId, SpiffeId } from "@spiffe-ts/spiffe";
 *
 * const match = matchId(SpiffeId.parse("spiffe://example.org/server"));
 * match(SpiffeId.parse("spiffe://example.org/server")); // does not throw
 * ```
 */
export function matchId(expected: SpiffeId): Matcher {
  return (id) => {
    if (!id.equals(expected)) throw unexpectedId(id);
  };
}

/**
 * A matcher that accepts any one of `expected`.
 *
 * @param expected The IDs to accept.
 * @returns The matcher; it throws `unexpected ID "<id>"` for any other ID.
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
export function matchOneOf(...expected: SpiffeId[]): Matcher {
  const allowed = new Set(expected.map((id) => id.toString()));
  return (id) => {
    if (!allowed.has(id.toString())) throw unexpectedId(id);
  };
}

/**
 * A matcher that accepts every ID in `trustDomain`.
 *
 * @param trustDomain The trust domain to accept.
 * @returns The matcher; it throws `unexpected trust domain "<td>"` for other domains.
 *
 * @example
 * ```ts
 * import { matchMemberOf, SpiffeId, TrustDomain } from "@spiffe-ts/spiffe";
 *
 * const match = matchMemberOf(TrustDomain.parse("example.org"));
 * match(SpiffeId.parse("spiffe://example.org/anything")); // does not throw
 * ```
 */
export function matchMemberOf(trustDomain: TrustDomain): Matcher {
  return (id) => {
    if (!id.memberOf(trustDomain)) {
      throw new AuthorizationError(`unexpected trust domain "${id.trustDomain.name}"`);
    }
  };
}

function unexpectedId(id: SpiffeId): AuthorizationError {
  return new AuthorizationError(`unexpected ID "${id}"`);
}
