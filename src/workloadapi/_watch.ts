// The retry loop shared by every Workload API watch: open the stream, parse each
// message (a bad one is reported and skipped, keeping the last good state), and on
// failure wait per the backoff and reopen, until the signal aborts or the server says
// the request itself is wrong.
import { errorMessage, grpcStatusName, SpiffeError, WorkloadApiError } from "../errors.ts";
import type { Backoff } from "./backoff.ts";
import type { Logger } from "./logger.ts";
import { sleep } from "./_sleep.ts";

/** gRPC status codes the loop acts on. */
export const GrpcCode = {
  CANCELLED: 1,
  INVALID_ARGUMENT: 3,
  PERMISSION_DENIED: 7,
  UNIMPLEMENTED: 12,
  UNAVAILABLE: 14,
} as const;

/** A server stream as @grpc/grpc-js returns it: async iterable and cancellable. */
export interface ServerStream extends AsyncIterable<unknown> {
  cancel(): void;
}

/** What one watch needs. */
export interface WatchPlan<T> {
  /** A name for log lines, e.g. `X.509 context`. */
  name: string;
  open(): ServerStream;
  parse(message: unknown): T;
  onUpdate(value: T): void;
  onError(err: SpiffeError): void;
  backoff: Backoff;
  logger: Logger;
  signal: AbortSignal;
  /** Whether retry waits keep the process alive (true while someone awaits readiness). */
  keepAlive(): boolean;
}

/** Turns whatever a gRPC call threw into a WorkloadApiError with its status code. */
export function toWorkloadApiError(err: unknown): WorkloadApiError {
  if (err instanceof WorkloadApiError) return err;
  const code = (err as { code?: unknown })?.code;
  const details = (err as { details?: unknown })?.details;
  // A gRPC status always has string details; other errors may have a numeric `code` too
  // (a DOMException's legacy code, say), which is no gRPC status.
  if (typeof code === "number" && typeof details === "string") {
    const text = details !== "" ? details : errorMessage(err);
    return new WorkloadApiError(`${grpcStatusName(code)}: ${text}`, { grpcCode: code, cause: err });
  }
  return new WorkloadApiError(errorMessage(err), { cause: err });
}

/** Whether a failed watch may be retried (SPIFFE Workload Endpoint §6). */
export function isRetryable(err: WorkloadApiError): boolean {
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
 * Runs the watch until `plan.signal` aborts (resolves) or the server answers with a
 * status that must not be retried (rejects with that WorkloadApiError).
 */
export async function runWatch<T>(plan: WatchPlan<T>): Promise<void> {
  const { signal, logger } = plan;
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
          logger.warn(`${plan.name}: rejected update: ${error.message}`);
          plan.onError(error);
          continue;
        }
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
    plan.onError(failure);
    if (!isRetryable(failure)) {
      logger.error(`${plan.name}: watch ended: ${failure.message}`);
      throw failure;
    }
    const delay = plan.backoff.next();
    logger.warn(`${plan.name}: ${failure.message}; retrying in ${Math.round(delay)} ms`);
    await sleep(delay, signal, plan.keepAlive());
  }
}
