// The gRPC transport of the Workload API client: one @grpc/grpc-js channel (plaintext,
// as SPIFFE Workload Endpoint §3.1 requires) over a unix socket or loopback TCP. Every
// call carries the `workload.spiffe.io: true` security header. grpc-js is loaded on the
// first call, so importing the library stays cheap for code that never dials the API.
import type { Client, Metadata } from "@grpc/grpc-js";
import {
  SECURITY_HEADER_KEY,
  SECURITY_HEADER_VALUE,
  type WorkloadApiMethod,
} from "./_proto/methods.ts";
import type { ServerStream } from "./_watch.ts";
import { toWorkloadApiError } from "./_watch.ts";

// deno-lint-ignore no-explicit-any
type AnyMethod = WorkloadApiMethod<any, any, any, any, boolean>;
type Grpc = typeof import("@grpc/grpc-js");

/** How grpc-js waits between connection attempts to the endpoint. */
const RECONNECT_BACKOFF_MS = { initial: 100, max: 1000 };

let grpcModule: Promise<Grpc> | undefined;

function loadGrpc(): Promise<Grpc> {
  return grpcModule ??= import("@grpc/grpc-js");
}

/** A lazily connected channel to one Workload API endpoint. */
export class Transport {
  readonly #target: string;
  #client: Promise<{ grpc: Grpc; client: Client }> | undefined;
  #closed = false;

  constructor(target: string) {
    this.#target = target;
  }

  #connection(): Promise<{ grpc: Grpc; client: Client }> {
    if (this.#closed) throw new Error("transport is closed");
    return this.#client ??= loadGrpc().then((grpc) => ({
      grpc,
      client: new grpc.Client(this.#target, grpc.credentials.createInsecure(), {
        // A Workload API stream may be silent for hours between rotations.
        "grpc.keepalive_permit_without_calls": 0,
        // The watches retry with their own backoff, and a call fails at once while the
        // channel is down; grpc-js's own reconnect backoff (1 s growing to 120 s by
        // default) would then keep a restarted agent unreachable for up to two minutes.
        // Reconnecting to a local endpoint is cheap: keep it within a second (WL §4.2).
        "grpc.initial_reconnect_backoff_ms": RECONNECT_BACKOFF_MS.initial,
        "grpc.max_reconnect_backoff_ms": RECONNECT_BACKOFF_MS.max,
      }),
    }));
  }

  #metadata(grpc: Grpc): Metadata {
    const metadata = new grpc.Metadata();
    metadata.set(SECURITY_HEADER_KEY, SECURITY_HEADER_VALUE);
    return metadata;
  }

  /** Opens a server stream; messages are the decoded responses. */
  serverStream<Req, Res>(method: AnyMethod, request: Req): ServerStream & AsyncIterable<Res> {
    let call: { cancel(): void } | undefined;
    let cancelled = false;
    const connection = this.#connection();
    const metadata = (grpc: Grpc) => this.#metadata(grpc);
    return {
      cancel() {
        cancelled = true;
        call?.cancel();
      },
      async *[Symbol.asyncIterator]() {
        const { grpc, client } = await connection;
        if (cancelled) return;
        const stream = client.makeServerStreamRequest(
          method.path,
          method.requestSerialize,
          method.responseDeserialize,
          request,
          metadata(grpc),
        );
        call = stream;
        try {
          for await (const message of stream) yield message as Res;
        } finally {
          stream.cancel();
        }
      },
    };
  }

  /** Makes a unary call; rejects with a WorkloadApiError carrying the gRPC status. */
  async unary<Req, Res>(method: AnyMethod, request: Req, signal?: AbortSignal): Promise<Res> {
    const { grpc, client } = await this.#connection();
    return await new Promise<Res>((resolve, reject) => {
      const call = client.makeUnaryRequest(
        method.path,
        method.requestSerialize,
        method.responseDeserialize,
        request,
        this.#metadata(grpc),
        (err, response) => {
          signal?.removeEventListener("abort", cancel);
          if (err) reject(toWorkloadApiError(err));
          else resolve(response as Res);
        },
      );
      const cancel = () => call.cancel();
      // Aborted while connecting: cancel, so the call ends as CANCELLED like any other.
      if (signal?.aborted) cancel();
      else signal?.addEventListener("abort", cancel, { once: true });
    });
  }

  /** Closes the channel, ending every call on it. */
  async close(): Promise<void> {
    this.#closed = true;
    const connection = this.#client;
    this.#client = undefined;
    if (connection) (await connection).client.close();
  }
}
