import type { X509Certificate } from "node:crypto";
import { type SpiffeId, spiffeIdArgument } from "../spiffeid/spiffe_id.ts";
import { type TrustDomain, trustDomainArgument } from "../spiffeid/trust_domain.ts";
import {
  matchAny,
  type Matcher,
  matchId,
  matchIdPrefix,
  matchMemberOf,
  matchOneOf,
} from "../spiffeid/match.ts";
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
 * Allows `prefix` and every peer ID below it in the same trust domain (go-spiffe's
 * `AuthorizeIDPrefix`): `spiffe://example.org/db` allows `.../db` and `.../db/replica`, not
 * `.../dbx`.
 *
 * @param prefix The ID prefix, as a {@linkcode SpiffeId} or a string; it must have a path.
 * @returns The authorizer; it throws `unexpected ID "<id>"` for any other peer.
 * @throws {SpiffeIdError} When `prefix` is a string that is not a valid SPIFFE ID.
 * @throws {TypeError} When `prefix` is neither, or has no path.
 *
 * @example
 * ```ts
 * import { authorizeIdPrefix, SpiffeId } from "@spiffe-ts/spiffe";
 *
 * const authorize = authorizeIdPrefix("spiffe://example.org/db");
 * authorize(SpiffeId.parse("spiffe://example.org/db/replica"), []); // allowed
 * ```
 */
export function authorizeIdPrefix(prefix: SpiffeId | string): Authorizer {
  return authorizeMatches(matchIdPrefix(prefix));
}

/**
 * Allows a peer that any of `authorizers` allows. When none does, the first one's refusal
 * is thrown, so the message stays the one that authorizer gives (e.g. go-spiffe's
 * `unexpected ID "<id>"`).
 *
 * @param authorizers At least one authorizer.
 * @returns The authorizer.
 * @throws {TypeError} When there is none, or one is not a function.
 *
 * @example
 * ```ts
 * import { authorizeAnyOf, authorizeId, authorizeMemberOf } from "@spiffe-ts/spiffe";
 *
 * const authorizer = authorizeAnyOf(
 *   authorizeId("spiffe://example.org/admin"),
 *   authorizeMemberOf("partner.example"),
 * );
 * ```
 */
export function authorizeAnyOf(...authorizers: Authorizer[]): Authorizer {
  const all = authorizerList(authorizers, "authorizeAnyOf");
  return (id, verifiedChains) => {
    let first: unknown;
    for (const [index, authorizer] of all.entries()) {
      try {
        authorizer(id, verifiedChains);
        return;
      } catch (err) {
        if (index === 0) first = err;
      }
    }
    throw first;
  };
}

/**
 * Allows a peer only when every one of `authorizers` allows it; the first refusal is thrown.
 *
 * @param authorizers At least one authorizer.
 * @returns The authorizer.
 * @throws {TypeError} When there is none, or one is not a function.
 *
 * @example
 * ```ts
 * import { authorizeAllOf, authorizeIdPrefix, authorizeMemberOf } from "@spiffe-ts/spiffe";
 *
 * const authorizer = authorizeAllOf(
 *   authorizeMemberOf("example.org"),
 *   authorizeIdPrefix("spiffe://example.org/payments"),
 * );
 * ```
 */
export function authorizeAllOf(...authorizers: Authorizer[]): Authorizer {
  const all = authorizerList(authorizers, "authorizeAllOf");
  return (id, verifiedChains) => {
    for (const authorizer of all) authorizer(id, verifiedChains);
  };
}

function authorizerList(authorizers: Authorizer[], call: string): readonly Authorizer[] {
  if (authorizers.length === 0) {
    throw new TypeError(`${call}: at least one authorizer is required`);
  }
  for (const [index, authorizer] of authorizers.entries()) {
    if (typeof authorizer !== "function") {
      throw argumentError(`${call}(authorizers[${index}])`, "an Authorizer function", authorizer);
    }
  }
  return [...authorizers];
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
