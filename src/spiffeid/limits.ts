// The length limits of SPIFFE-ID §2.3, public so that callers can check input before parsing.

/** The longest SPIFFE ID, in bytes, implementations must accept (SPIFFE-ID §2.3). */
export const MAX_ID_LENGTH = 2048;
/** The longest trust domain name, in bytes (SPIFFE-ID §2.3). */
export const MAX_TRUST_DOMAIN_LENGTH = 255;
