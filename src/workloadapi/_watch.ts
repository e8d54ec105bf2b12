// The retry loop shared by every Workload API watch: open the stream, parse each
// message (a bad one is reported and skipped, keeping the last good state), and on
// failure wait per the backoff and reopen, until the signal aborts, the server says the
// request itself is wrong, or the retries allowed are used up.
import { errorMessage, grpcStatusName, SpiffeError, WorkloadApiError } from "../errors.ts";
import type { Backoff } from "./backoff.ts";
import type { Logger } from "./logger.ts";
import { sleep } from "./_sleep.ts";
import { startWaitNotice, type WaitWarning } from "./_wait_notice.ts";

/** gRPC status codes the loop acts on. */
export const GrpcCode = {
  CANCELLED: 1,
  INVALID_ARGUMENT: 3,
  PERMISSION_DENIED: 7,
  UNIMPLEMENTED: 12,
  UNAVAILABLE: 14,
} as const;

/** A server stream: the decoded responses, and a way to end it early. */
export interface ServerStream<T> extends AsyncIterable<T> {
  cancel(): void;
}

/** What one watch needs. */
export interface WatchPlan<Msg, T> {
  /** A name for log lines and errors, e.g. `X.509 context`. */
  name: string;
  /** The endpoint for log lines and errors, e.g. `unix:///tmp/a.sock (from ...)`. */
  endpoint: string;
  open(): ServerStream<Msg>;
  parse(message: Msg): T;
  onUpdate(value: T): void;
  onError(err: SpiffeError): void;
  /** What to report for a failed stream (e.g. that the unix path is not a socket). */
  explain(failure: WorkloadApiError): Promise<SpiffeError>;
  backoff: Backoff;
  logger: Logger;
  signal: AbortSignal;
  /** Whether retry waits keep the process alive (true while someone awaits readiness). */
  keepAlive(): boolean;
  /**
   * Failed attempts in a row (no good update in between) retried before the watch
   * gives up; `Infinity` retries for as long as the signal allows, as go-spiffe does.
   */
  maxRetries: number;
  /** Warn while no update has arrived yet; `undefined`: the caller reports waits itself. */
  waitWarning?: WaitWarning;
}

/**
 * Turns whatever a gRPC call threw into a WorkloadApiError with its status code. grpc-js's
 * connection failures end in an empty `Resolution note: ` and wrap the cause as
 * `Last error: Error: ...`; both are trimmed.
 */
export function toWorkloadApiError(err: unknown): WorkloadApiError {
  if (err instanceof WorkloadApiError) return err;
  const code = (err as { code?: unknown })?.code;
  const details = (err as { details?: unknown })?.details;
  // A gRPC status always has string details; other errors may have a numeric `code` too
  // (a DOMException's legacy code, say), which is no gRPC status.
  if (typeof code === "number" && typeof details === "string") {
    const text = (details !== "" ? details : errorMessage(err))
      .replace(/\.? Resolution note: ?$/, "")
      .replace("Last error: Error: ", "Last error: ");
    return new WorkloadApiError(`${grpcStatusName(code)}: ${text}${socketPermissionHint(text)}`, {
      grpcCode: code,
      cause: err,
    });
  }
  return new WorkloadApiError(errorMessage(err), { cause: err });
}

/** Deno's denial of one of the three permissions a unix socket needs. */
const SOCKET_DENIAL = /NotCapable: Requires (?:read|write|net) access to "(?:unix:)?(\/[^"]*)"/;

/**
 * Deno names one missing flag at a time, and a unix socket needs three: the hint names
 * them all, so that a user fixes the command line once.
 */
function socketPermissionHint(text: string): string {
  const path = SOCKET_DENIAL.exec(text)?.[1];
  if (path === undefined) return "";
  return ` (a unix socket needs --allow-net=unix:${path} --allow-read=${path} ` +
    `--allow-write=${path})`;
}

/**
 * Whether a failed watch may be retried (SPIFFE Workload Endpoint §6): not on
 * `InvalidArgument` or `Unimplemented`, not when Deno denies access to the endpoint,
 * and not for an address that cannot work (its path is no socket).
 */
export function isRetryable(err: SpiffeError): boolean {
  if (!(err instanceof WorkloadApiError)) return false;
  return err.grpcCode !== GrpcCode.INVALID_ARGUMENT && err.grpcCode !== GrpcCode.UNIMPLEMENTED &&
    !isPermissionDenial(err);
}

/**
 * Deno refused access to the endpoint (grpc-js reports it as UNAVAILABLE): retrying cannot
 * help, so the watch ends at once and the error names the missing permission.
 */
function isPermissionDenial(err: WorkloadApiError): boolean {
  return err.grpcCode === GrpcCode.UNAVAILABLE && /\bNotCapable: Requires /.test(err.message);
}

/**
 * Runs the watch until `plan.signal` aborts (resolves), the server answers with a status
 * that must not be retried (rejects with that error), or `plan.maxRetries` retries in a
 * row failed (rejects with a WorkloadApiError that names the endpoint and the last
 * failure, with its gRPC code, and has it as `cause`).
 */
export async function runWatch<Msg, T>(plan: WatchPlan<Msg, T>): Promise<void> {
  const { signal, logger } = plan;
  let lastError: SpiffeError | undefined;
  let failures = 0;
  let stopNotice = plan.waitWarning === undefined ? () => {} : startWaitNotice(
    logger,
    plan.waitWarning,
    (elapsed) =>
      `workloadapi: ${plan.name} watch: no update from the Workload API at ${plan.endpoint} ` +
      `after ${elapsed}; last error: ${lastError?.message ?? "none (the agent has not answered)"}`,
  );
  try {
    while (!signal.aborted) {
      let failure: WorkloadApiError;
      const stream = plan.open();
      const cancel = () => stream.cancel();
      signal.addEventListener("abort", cancel, { once: true });
      try {
        for await (const message of stream) {
          let value: T;
          try {
            value = plan.parse(message);
          } catch (err) {
            const error = err instanceof SpiffeError
              ? err
              : new WorkloadApiError(errorMessage(err), { cause: err });
            lastError = error;
            logger.warn(`workloadapi: ${plan.name}: rejected update: ${error.message}`);
            plan.onError(error);
            continue;
          }
          failures = 0;
          stopNotice();
          stopNotice = () => {};
          plan.backoff.reset();
          plan.onUpdate(value);
        }
        failure = new WorkloadApiError("stream closed by the server");
      } catch (err) {
        if (signal.aborted) break;
        failure = toWorkloadApiError(err);
      } finally {
        signal.removeEventListener("abort", cancel);
      }
      if (signal.aborted) break;
      const reported = await plan.explain(failure);
      lastError = reported;
      plan.onError(reported);
      if (!isRetryable(reported)) throw reported;
      if (++failures > plan.maxRetries) {
        throw new WorkloadApiError(
          `workloadapi: ${plan.name} watch gave up after ${failures} failed attempts on ` +
            `${plan.endpoint}: ${reported.message}`,
          { grpcCode: failure.grpcCode, cause: reported },
        );
      }
      const delay = plan.backoff.next();
      logger.info(
        `workloadapi: ${plan.name}: ${reported.message}; retrying in ${Math.round(delay)} ms`,
      );
      await sleep(delay, signal, plan.keepAlive());
    }
  } finally {
    stopNotice();
  }
}
