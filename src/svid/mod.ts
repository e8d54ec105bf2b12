/**
 * X509-SVIDs: a workload's own SVID ({@linkcode X509Svid}) and verification of a peer's
 * chain ({@linkcode verifyX509Svid}), go-spiffe's `x509svid` package.
 *
 * @example
 * ```ts ignore
 * import { verifyX509Svid, X509Bundle, TrustDomain } from "@spiffe-ts/spiffe";
 *
 * declare const peerChain: Uint8Array[], bundlePem: string;
 * const bundle = X509Bundle.parse(TrustDomain.parse("example.org"), bundlePem);
 * const { id } = await verifyX509Svid(peerChain, bundle);
 * ```
 *
 * @module
 */
export {
  X509Svid,
  type X509SvidDer,
  type X509SvidParseOptions,
  type X509SvidPem,
  type X509SvidSource,
} from "./x509_svid.ts";
export { JwtSvid, type JwtSvidParseOptions } from "./jwt_svid.ts";
export {
  type VerifiedX509Svid,
  verifyX509Svid,
  type VerifyX509SvidOptions,
  verifyX509SvidSync,
} from "./verify.ts";
