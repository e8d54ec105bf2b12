/**
 * spiffe-ts: SPIFFE workload identity and mutual TLS for TypeScript.
 *
 * @module
 */
export {
  AuthorizationError,
  BundleError,
  JwtSvidError,
  SpiffeError,
  type SpiffeErrorCode,
  SpiffeIdError,
  X509SvidError,
} from "./src/errors.ts";
export {
  matchAny,
  type Matcher,
  matchId,
  matchMemberOf,
  matchOneOf,
  MAX_ID_LENGTH,
  MAX_TRUST_DOMAIN_LENGTH,
  SpiffeId,
  TrustDomain,
} from "./src/spiffeid/mod.ts";
