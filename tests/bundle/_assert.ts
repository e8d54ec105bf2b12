// Every bundle failure is a BundleError with its reason, code ERR_BUNDLE and an exact message.
import { BundleError, type BundleErrorReason } from "../../mod.ts";
import { assertThrowsReason } from "../_helpers/assert.ts";

/**
 * Runs `fn`, expecting a `BundleError` with `reason`, code `ERR_BUNDLE` and exactly `message`.
 *
 * @param fn The code that must throw.
 * @param reason The expected reason, checked first.
 * @param message The expected message.
 * @returns The error, for further checks (e.g. its `cause`).
 */
export function assertBundleError(
  fn: () => unknown,
  reason: BundleErrorReason,
  message: string,
): BundleError {
  return assertThrowsReason(fn, BundleError, "ERR_BUNDLE", reason, message);
}
