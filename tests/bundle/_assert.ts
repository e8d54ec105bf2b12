// Every bundle failure is a BundleError with code ERR_BUNDLE and an exact message.
import { BundleError } from "../../mod.ts";
import { assertThrowsSpiffe } from "../_helpers/assert.ts";

/**
 * Runs `fn`, expecting a `BundleError` with code `ERR_BUNDLE` and exactly `message`.
 *
 * @param fn The code that must throw.
 * @param message The expected message.
 * @returns The error, for further checks (e.g. its `cause`).
 */
export function assertBundleError(fn: () => unknown, message: string): BundleError {
  return assertThrowsSpiffe(fn, BundleError, "ERR_BUNDLE", message);
}
