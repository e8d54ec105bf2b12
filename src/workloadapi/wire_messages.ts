// The Workload API messages as the generated codec presents them (protobufjs camelCase
// field names), typed structurally so that parsing and the devagent do not depend on the
// generated classes. Fields may be `null` because the codec's own types allow it, so that
// a decoded message is one of these without a cast.

/** An `X509SVID` message. */
export interface X509SvidMessage {
  /** The SPIFFE ID of the SVID. */
  spiffeId?: string | null;
  /** The certificate chain, leaf first, as concatenated DER. */
  x509Svid?: Uint8Array | null;
  /** The PKCS#8 DER private key of the leaf. */
  x509SvidKey?: Uint8Array | null;
  /** The X.509 bundle of the SVID's trust domain, as concatenated DER. */
  bundle?: Uint8Array | null;
  /** The operator's hint. */
  hint?: string | null;
}

/** An `X509SVIDResponse` message: one complete X.509 state. */
export interface X509SvidResponseMessage {
  /** The SVIDs, the default first. */
  svids?: X509SvidMessage[] | null;
  /** DER CRLs. */
  crl?: Uint8Array[] | null;
  /** Bundles of federated trust domains, keyed by `spiffe://<td>`, concatenated DER. */
  federatedBundles?: Record<string, Uint8Array> | null;
}

/** An `X509BundlesResponse` or `JWTBundlesResponse` message. */
export interface BundlesResponseMessage {
  /** Bundles keyed by `spiffe://<td>`: concatenated DER (X.509) or JWKS JSON (JWT). */
  bundles?: Record<string, Uint8Array> | null;
  /** DER CRLs (X.509 only). */
  crl?: Uint8Array[] | null;
}

/** A `JWTSVIDResponse` message. */
export interface JwtSvidResponseMessage {
  /** The tokens, one per identity. */
  svids?: JwtSvidMessage[] | null;
}

/** A `JWTSVID` message. */
export interface JwtSvidMessage {
  /** The subject. */
  spiffeId?: string | null;
  /** The compact JWT. */
  svid?: string | null;
  /** The operator's hint. */
  hint?: string | null;
}
