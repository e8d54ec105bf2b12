// Shared helpers for the spiffeid tests. Not a test file itself (no `_test` suffix).
import assert from "node:assert";
import { AuthorizationError, SpiffeIdError, type SpiffeIdErrorReason } from "../../mod.ts";
import { assertThrowsReason, assertThrowsSpiffe } from "../_helpers/assert.ts";

/** A refusal as the tests expect it: the reason first, then go-spiffe's exact text. */
export interface Expected {
  reason: SpiffeIdErrorReason;
  message: string;
}

/**
 * go-spiffe's exact `spiffeid` error texts (SPIFFE-RULES §1.2), plus the two length
 * errors spiffe-ts adds (ID-13), each with its reason. Written out by hand on purpose: the
 * tests must not import the strings from the implementation they check.
 */
export const E = {
  empty: { reason: "empty", message: "cannot be empty" },
  scheme: { reason: "wrong-scheme", message: "scheme is missing or invalid" },
  tdMissing: { reason: "missing-trust-domain", message: "trust domain is missing" },
  tdChar: {
    reason: "bad-trust-domain-char",
    message:
      "trust domain characters are limited to lowercase letters, numbers, dots, dashes, and underscores",
  },
  pathChar: {
    reason: "bad-path-segment-char",
    message:
      "path segment characters are limited to letters, numbers, dots, dashes, and underscores",
  },
  emptySeg: { reason: "empty-segment", message: "path cannot contain empty segments" },
  dotSeg: { reason: "dot-segment", message: "path cannot contain dot segments" },
  trailing: { reason: "trailing-slash", message: "path cannot have a trailing slash" },
  leading: { reason: "no-leading-slash", message: "path must have a leading slash" },
  idTooLong: { reason: "id-too-long", message: "SPIFFE ID cannot be longer than 2048 bytes" },
  tdTooLong: {
    reason: "trust-domain-too-long",
    message: "trust domain cannot be longer than 255 bytes",
  },
} as const satisfies Record<string, Expected>;

/** A readable, bounded test name for an input string. */
export function label(input: string): string {
  const json = JSON.stringify(input);
  return json.length <= 80 ? json : `${json.slice(0, 40)}…(${input.length} chars)`;
}

/**
 * Asserts that `fn` throws a `SpiffeIdError` with `expected.reason`, code `ERR_SPIFFE_ID` and
 * exactly `expected.message`.
 */
export function assertSpiffeIdError(fn: () => unknown, expected: Expected): void {
  const err = assertThrowsReason(
    fn,
    SpiffeIdError,
    "ERR_SPIFFE_ID",
    expected.reason,
    expected.message,
  );
  assert.strictEqual(err.name, "SpiffeIdError");
}

/** Asserts that `fn` throws an `AuthorizationError` with code `ERR_AUTHORIZATION` and exactly `message`. */
export function assertAuthorizationError(fn: () => unknown, message: string): void {
  const err = assertThrowsSpiffe(fn, AuthorizationError, "ERR_AUTHORIZATION", message);
  assert.strictEqual(err.name, "AuthorizationError");
}
