// Shared helpers for the spiffeid tests. Not a test file itself (no `_test` suffix).
import assert from "node:assert";
import { AuthorizationError, SpiffeIdError } from "../../mod.ts";
import { assertThrowsSpiffe } from "../_helpers/assert.ts";

/**
 * go-spiffe's exact `spiffeid` error texts (SPIFFE-RULES §1.2), plus the two length
 * errors spiffe-ts adds (ID-13). Written out by hand on purpose: the tests must not
 * import the strings from the implementation they check.
 */
export const E = {
  empty: "cannot be empty",
  scheme: "scheme is missing or invalid",
  tdMissing: "trust domain is missing",
  tdChar:
    "trust domain characters are limited to lowercase letters, numbers, dots, dashes, and underscores",
  pathChar:
    "path segment characters are limited to letters, numbers, dots, dashes, and underscores",
  emptySeg: "path cannot contain empty segments",
  dotSeg: "path cannot contain dot segments",
  trailing: "path cannot have a trailing slash",
  leading: "path must have a leading slash",
  idTooLong: "SPIFFE ID cannot be longer than 2048 bytes",
  tdTooLong: "trust domain cannot be longer than 255 bytes",
} as const;

/** A readable, bounded test name for an input string. */
export function label(input: string): string {
  const json = JSON.stringify(input);
  return json.length <= 80 ? json : `${json.slice(0, 40)}…(${input.length} chars)`;
}

/** Asserts that `fn` throws a `SpiffeIdError` with code `ERR_SPIFFE_ID` and exactly `message`. */
export function assertSpiffeIdError(fn: () => unknown, message: string): void {
  const err = assertThrowsSpiffe(fn, SpiffeIdError, "ERR_SPIFFE_ID", message);
  assert.strictEqual(err.name, "SpiffeIdError");
}

/** Asserts that `fn` throws an `AuthorizationError` with code `ERR_AUTHORIZATION` and exactly `message`. */
export function assertAuthorizationError(fn: () => unknown, message: string): void {
  const err = assertThrowsSpiffe(fn, AuthorizationError, "ERR_AUTHORIZATION", message);
  assert.strictEqual(err.name, "AuthorizationError");
}
