// Assertions for typed errors: class, then code, then the exact message.
import assert from "node:assert/strict";
import type { SpiffeError, SpiffeErrorCode } from "../../mod.ts";

function check<E extends SpiffeError>(
  err: unknown,
  type: new (...args: never[]) => E,
  code: SpiffeErrorCode,
  message: string | RegExp,
): E {
  assert.ok(err instanceof type, `expected ${type.name}, got ${err}`);
  assert.equal(err.code, code);
  if (typeof message === "string") assert.equal(err.message, message);
  else assert.match(err.message, message);
  return err;
}

/** Asserts that `fn` throws a `type` error with `code` and `message`. */
export function assertThrowsSpiffe<E extends SpiffeError>(
  fn: () => unknown,
  type: new (...args: never[]) => E,
  code: SpiffeErrorCode,
  message: string | RegExp,
): E {
  try {
    fn();
  } catch (err) {
    return check(err, type, code, message);
  }
  assert.fail(`expected ${type.name}: ${message}`);
}

/** Asserts that `promise` rejects with a `type` error with `code` and `message`. */
export async function assertRejectsSpiffe(
  promise: Promise<unknown>,
  type: new (...args: never[]) => SpiffeError,
  code: SpiffeErrorCode,
  message: string | RegExp,
): Promise<void> {
  try {
    await promise;
  } catch (err) {
    check(err, type, code, message);
    return;
  }
  assert.fail(`expected ${type.name}: ${message}`);
}

/** A typed error that carries a per-condition `reason`. */
type WithReason = SpiffeError & { readonly reason: string | undefined };
/** The reasons an error class can carry. */
type ReasonOf<E extends WithReason> = NonNullable<E["reason"]>;

/**
 * Asserts that `fn` throws a `type` error whose `reason` is `reason` (checked first, so that a
 * failure names the condition), then `code`, then exactly `message`.
 */
export function assertThrowsReason<E extends WithReason>(
  fn: () => unknown,
  type: new (...args: never[]) => E,
  code: SpiffeErrorCode,
  reason: ReasonOf<E>,
  message: string | RegExp,
): E {
  try {
    fn();
  } catch (err) {
    return checkReason(err, type, code, reason, message);
  }
  assert.fail(`expected ${type.name} (${reason}): ${message}`);
}

/** Asserts that `promise` rejects as {@linkcode assertThrowsReason} says. */
export async function assertRejectsReason<E extends WithReason>(
  promise: Promise<unknown>,
  type: new (...args: never[]) => E,
  code: SpiffeErrorCode,
  reason: ReasonOf<E>,
  message: string | RegExp,
): Promise<E> {
  try {
    await promise;
  } catch (err) {
    return checkReason(err, type, code, reason, message);
  }
  assert.fail(`expected ${type.name} (${reason}): ${message}`);
}

function checkReason<E extends WithReason>(
  err: unknown,
  type: new (...args: never[]) => E,
  code: SpiffeErrorCode,
  reason: ReasonOf<E>,
  message: string | RegExp,
): E {
  assert.ok(err instanceof type, `expected ${type.name}, got ${err}`);
  assert.equal(err.reason, reason, `reason of: ${err.message}`);
  return check(err, type, code, message);
}
