// Bounded waiting for the shared TLS scenarios (_hardening_scenarios.mjs,
// _building_block_scenarios.mjs), which run on Deno and on Node.

/** The longest any scenario step may wait. */
export const BOUND_MS = 10_000;

/** Rejects when `promise` takes longer than BOUND_MS. */
export function within(promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), BOUND_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Resolves after `ms`. */
export const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
