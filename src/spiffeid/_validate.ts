// The byte-level grammar of SPIFFE IDs (SPIFFE-ID §2), checked in go-spiffe's order
// so that each input fails with the same reason go-spiffe gives. Never `new URL()`.
import { SpiffeIdError, type SpiffeIdErrorReason } from "../errors.ts";
import { MAX_ID_LENGTH, MAX_TRUST_DOMAIN_LENGTH } from "./limits.ts";

const SCHEME_PREFIX = "spiffe://";

/** go-spiffe's `spiffeid` errors: the reason of each, and its exact message. */
export const errors = {
  empty: ["empty", "cannot be empty"],
  badScheme: ["wrong-scheme", "scheme is missing or invalid"],
  missingTrustDomain: ["missing-trust-domain", "trust domain is missing"],
  badTrustDomainChar: [
    "bad-trust-domain-char",
    "trust domain characters are limited to lowercase letters, numbers, dots, dashes, and underscores",
  ],
  badPathSegmentChar: [
    "bad-path-segment-char",
    "path segment characters are limited to letters, numbers, dots, dashes, and underscores",
  ],
  emptySegment: ["empty-segment", "path cannot contain empty segments"],
  dotSegment: ["dot-segment", "path cannot contain dot segments"],
  trailingSlash: ["trailing-slash", "path cannot have a trailing slash"],
  noLeadingSlash: ["no-leading-slash", "path must have a leading slash"],
  idTooLong: ["id-too-long", `SPIFFE ID cannot be longer than ${MAX_ID_LENGTH} bytes`],
  trustDomainTooLong: [
    "trust-domain-too-long",
    `trust domain cannot be longer than ${MAX_TRUST_DOMAIN_LENGTH} bytes`,
  ],
} as const satisfies Record<string, readonly [SpiffeIdErrorReason, string]>;

function isTrustDomainChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || // a-z
    (c >= 0x30 && c <= 0x39) || // 0-9
    c === 0x2e || c === 0x2d || c === 0x5f; // . - _
}

function isPathSegmentChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || // a-z
    (c >= 0x41 && c <= 0x5a) || // A-Z
    (c >= 0x30 && c <= 0x39) || // 0-9
    c === 0x2e || c === 0x2d || c === 0x5f; // . - _
}

function fail([reason, message]: readonly [SpiffeIdErrorReason, string]): never {
  throw new SpiffeIdError(message, { reason });
}

/** Throws unless `name` is a valid trust domain name (no scheme, no path). */
export function validateTrustDomainName(name: string): void {
  if (name.length === 0) fail(errors.missingTrustDomain);
  for (let i = 0; i < name.length; i++) {
    if (!isTrustDomainChar(name.charCodeAt(i))) fail(errors.badTrustDomainChar);
  }
  if (name.length > MAX_TRUST_DOMAIN_LENGTH) fail(errors.trustDomainTooLong);
}

/**
 * Throws unless `path` is a valid SPIFFE ID path: empty (a root ID), or `/`-led
 * segments of path characters, none empty, `.` or `..`, and no trailing slash.
 */
export function validatePath(path: string): void {
  if (path.length === 0) return;
  if (path.charCodeAt(0) !== 0x2f) fail(errors.noLeadingSlash);
  let segmentStart = 0; // index of the `/` that opened the current segment
  for (let i = 1; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c === 0x2f) {
      checkSegmentEnd(path, segmentStart, i, false);
      segmentStart = i;
    } else if (!isPathSegmentChar(c)) {
      fail(errors.badPathSegmentChar);
    }
  }
  checkSegmentEnd(path, segmentStart, path.length, true);
}

function checkSegmentEnd(path: string, slash: number, end: number, last: boolean): void {
  const length = end - slash - 1;
  if (length === 0) fail(last ? errors.trailingSlash : errors.emptySegment);
  if (length <= 2 && path.slice(slash + 1, end).replaceAll(".", "") === "") {
    fail(errors.dotSegment);
  }
}

/** Throws unless `segment` is one valid path segment (no `/`). */
export function validatePathSegment(segment: string): void {
  if (segment.length === 0) fail(errors.emptySegment);
  if (segment === "." || segment === "..") fail(errors.dotSegment);
  for (let i = 0; i < segment.length; i++) {
    if (!isPathSegmentChar(segment.charCodeAt(i))) fail(errors.badPathSegmentChar);
  }
}

/** Throws unless the whole ID fits the length limit. */
export function validateIdLength(trustDomainName: string, path: string): void {
  if (SCHEME_PREFIX.length + trustDomainName.length + path.length > MAX_ID_LENGTH) {
    fail(errors.idTooLong);
  }
}

/**
 * Splits a SPIFFE ID string into its trust domain name and path, validating
 * every byte in go-spiffe's order, then the length limits.
 */
export function splitId(text: string): { trustDomain: string; path: string } {
  if (text.length === 0) fail(errors.empty);
  if (!text.startsWith(SCHEME_PREFIX)) fail(errors.badScheme);
  let end = SCHEME_PREFIX.length;
  for (; end < text.length; end++) {
    const c = text.charCodeAt(end);
    if (c === 0x2f) break;
    if (!isTrustDomainChar(c)) fail(errors.badTrustDomainChar);
  }
  const trustDomain = text.slice(SCHEME_PREFIX.length, end);
  if (trustDomain.length === 0) fail(errors.missingTrustDomain);
  const path = text.slice(end);
  validatePath(path);
  if (trustDomain.length > MAX_TRUST_DOMAIN_LENGTH) fail(errors.trustDomainTooLong);
  validateIdLength(trustDomain, path);
  return { trustDomain, path };
}
