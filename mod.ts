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
export {
  type BundleBytesMap,
  BundleSet,
  JwtBundle,
  JwtBundleSet,
  type JwtBundleSource,
  SpiffeBundle,
  type SpiffeBundleSource,
  X509Bundle,
  X509BundleSet,
  type X509BundleSource,
} from "./src/bundle/mod.ts";
export {
  type VerifiedX509Svid,
  verifyX509Svid,
  type VerifyX509SvidOptions,
  verifyX509SvidSync,
  X509Svid,
  type X509SvidDer,
  type X509SvidParseOptions,
  type X509SvidPem,
  type X509SvidSource,
} from "./src/svid/mod.ts";
export {
  authorizeAny,
  authorizeId,
  authorizeMatches,
  authorizeMemberOf,
  authorizeOneOf,
  type Authorizer,
} from "./src/tls/authorizer.ts";
