/**
 * SPIFFE IDs, trust domains and ID matchers (go-spiffe's `spiffeid` package).
 *
 * @example
 * ```ts
 * import { matchMemberOf, SpiffeId, TrustDomain } from "@spiffe-ts/spiffe";
 *
 * const id = SpiffeId.parse("spiffe://example.org/server");
 * matchMemberOf(TrustDomain.parse("example.org"))(id);
 * ```
 *
 * @module
 */
export { TrustDomain } from "./trust_domain.ts";
export { SpiffeId } from "./spiffe_id.ts";
export {
  matchAny,
  type Matcher,
  matchId,
  matchIdPrefix,
  matchMemberOf,
  matchOneOf,
} from "./match.ts";
export { MAX_ID_LENGTH, MAX_TRUST_DOMAIN_LENGTH } from "./limits.ts";
