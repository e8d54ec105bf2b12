import type { X509Certificate } from "node:crypto";
import { type SpiffeId, spiffeIdArgument } from "../spiffeid/spiffe_id.ts";
import { type TrustDomain, trustDomainArgument } from "../spiffeid/trust_domain.ts";
import { matchAny, type Matcher, matchId, matchMemberOf, matchOneOf } from "../spiffeid/match.ts";
import { argumentError } from "../_internal/argument.ts";

/**
 * Decides whether a verified peer may connect. It is called after the peer's X509-SVID
 * verified against the bundle of its trust domain, with the peer's ID and verified chains;
 * it returns to allow the peer and throws (an {@linkcode AuthorizationError} for the
 * built-in authorizers) to refuse it.
 */
export type Authorizer = (id: SpiffeId, verifiedChains: X509Certificate[][]) => void;

/**
 * Allows any peer whose X509-SVID verified. There is no implicit default: this must be
 * asked for by name.
 *
 * @returns The authorizer.
 *
 * @example
 * ```ts
 * import { authorizeAny } from "@spiffe-ts/spiffe";
 *
 * const authorizer = authorizeAny();
 * ```
 */
export function authorizeAny(): Authorizer {
  return authorizeMatches(matchAny());
}

/**
 * Allows exactly one peer ID.
 *
 * @param id The ID to allow, as a {@linkcode SpiffeId} or a string.
 * @returns The authorizer; it throws `unexpected ID "<id>"` for any other peer.
 * @throws {SpiffeIdError} When `id` is a string that is not a valid SPIFFE ID.
 * @throws {TypeError} When `id` is neither, e.g. `authorizeId(id): expected a SPIFFE ID string
 * or SpiffeId, got undefined`.
 *
 * @example
 * ```ts
 * import { authorizeId, SpiffeId } from "@spiffe-ts/spiffe";
 *
 * const authorize = authorizeId("spiffe://example.org/server");
 * authorize(SpiffeId.parse("spiffe://example.org/server"), []); // allowed
 * ```
 */
export function authorizeId(id: SpiffeId | string): Authorizer {
  return authorizeMatches(matchId(spiffeIdArgument(id, "authorizeId(id)")));
}

/**
 * Allows any one of several peer IDs.
 *
 * @param ids The IDs to allow.
 * @returns The authorizer; it throws `unexpected ID "<id>"` for any other peer.
 * @throws {SpiffeIdError} When a string is not a valid SPIFFE ID.
 * @throws {TypeError} When an ID is neither a string nor a {@linkcode SpiffeId}.
 *
 * @example
 * ```ts
 * import { authorizeOneOf } from "@spiffe-ts/spiffe";
 *
 * const authorizer = authorizeOneOf("spiffe://example.org/a", "spiffe://example.org/b");
 * ```
 */
export function authorizeOneOf(...ids: (SpiffeId | string)[]): Authorizer {
  return authorizeMatches(
    matchOneOf(...ids.map((id, i) => spiffeIdArgument(id, `authorizeOneOf(ids[${i}])`))),
  );
}

/**
 * Allows every peer of one trust domain.
 *
 * @param trustDomain The trust domain, as a {@linkcode TrustDomain} or a string.
 * @returns The authorizer; it throws `unexpected trust domain "<td>"` for other domains.
 * @throws {SpiffeIdError} When a string is not a valid trust domain.
 * @throws {TypeError} When `trustDomain` is neither a string nor a {@linkcode TrustDomain}.
 *
 * @example
 * ```ts
 * import { authorizeMemberOf } from "@spiffe-ts/spiffe";
 *
 * const authorizer = authorizeMemberOf("example.org");
 * ```
 */
export function authorizeMemberOf(trustDomain: TrustDomain | string): Authorizer {
  return authorizeMatches(
    matchMemberOf(trustDomainArgument(trustDomain, "authorizeMemberOf(trustDomain)")),
  );
}

/**
 * Adapts an ID {@linkcode Matcher} into an authorizer (go-spiffe's `AdaptMatcher`).
 *
 * @param matcher The matcher deciding on the peer ID.
 * @returns The authorizer.
 * @throws {TypeError} When `matcher` is not a function.
 *
 * @example
 * ```ts
 * import { authorizeMatches, matchMemberOf, TrustDomain } from "@spiffe-ts/spiffe";
 *
 * const authorizer = authorizeMatches(matchMemberOf(TrustDomain.parse("example.org")));
 * ```
 */
export function authorizeMatches(matcher: Matcher): Authorizer {
  if (typeof matcher !== "function") {
    throw argumentError("authorizeMatches(matcher)", "a Matcher function", matcher);
  }
  return (id) => matcher(id);
}

/**
 * Throws unless `authorizer` is a function: no authorizer means no connection.
 *
 * @param authorizer The value given as an authorizer.
 */
export function requireAuthorizer(authorizer: Authorizer): void {
  if (typeof authorizer !== "function") {
    throw new TypeError("an authorizer is required (use authorizeAny() to allow any SPIFFE peer)");
  }
}
