// The gRPC transport of the Workload API client: a @grpc/grpc-js channel (plaintext,
// as SPIFFE Workload Endpoint §3.1 requires) over a unix socket or loopback TCP. Every
// call carries the `workload.spiffe.io: true` security header. grpc-js is loaded on the
// first call, so importing the library stays cheap for code that never dials the API.
//
// The channel lives only while calls are open: the last call to end closes it, and the
// next call opens a new one. Deno (2.9, denoland/deno#36788) aborts the process when a
// GOAWAY reaches an HTTP/2 client session that has carried streams but has none open:
// grpc-js closes the session from its `goaway` listener, Deno destroys it inside nghttp2's
// frame callback, and nghttp2 then walks freed streams (`find_stream_on_goaway_func:
// Assertion 'stream->closed_next == NULL'`, or SIGSEGV). An agent that restarts, or a
// server idle/age limit, sends exactly that GOAWAY to a client idling between unary calls
// (an open stream shields the session: 0 aborts in 20 runs). A session we close ourselves
// when idle is never there to receive it: unary calls, then a GOAWAY from a Node server
// standing in for SPIRE, aborted 7 of 12 runs with one long-lived channel, 0 of 12 now.
import type { Buffer } from "node:buffer";
import type { Client, Metadata } from "@grpc/grpc-js";
import { SECURITY_HEADER_KEY, SECURITY_HEADER_VALUE } from "../_proto/methods.ts";
import type { ServerStream } from "./_watch.ts";
import { toWorkloadApiError } from "./_watch.ts";

type Grpc = typeof import("@grpc/grpc-js");

/**
 * The client's view of one RPC (what `SPIFFE_WORKLOAD_API`'s descriptors provide): its
 * path, whether the server streams, and the request encoder and response decoder, whose
 * types carry the request and response types through every call.
 */
export interface ClientMethod<Req, Res, Streaming extends boolean> {
  /** The proto method name, e.g. `FetchX509SVID`. */
  readonly methodName: string;
  /** The HTTP/2 path. */
  readonly path: string;
  /** Whether the server streams responses. */
  readonly responseStream: Streaming;
  /** Encodes a request. */
  readonly requestSerialize: (message: Req) => Buffer;
  /** Decodes a response. */
  readonly responseDeserialize: (bytes: Uint8Array) => Res;
}

/** The request of the streaming RPCs: an empty message. */
export type EmptyRequest = Record<never, never>;

/** How grpc-js waits between connection attempts to the endpoint. */
const RECONNECT_BACKOFF_MS = { initial: 100, max: 1000 };

let grpcModule: Promise<Grpc> | undefined;

function loadGrpc(): Promise<Grpc> {
  return grpcModule ??= import("@grpc/grpc-js");
}

/** One grpc-js channel and the number of calls open on it. */
interface Channel {
  client: Client;
  calls: number;
}

/** A call's hold on the channel; `release()` (idempotent) closes it with the last call. */
interface Lease {
  grpc: Grpc;
  client: Client;
  release(): void;
}

/** A lazily connected channel to one Workload API endpoint, open while calls are. */
export class Transport {
  readonly #target: string;
  #channel: Channel | undefined;
  #closed = false;

  constructor(target: string) {
    this.#target = target;
  }

  async #acquire(): Promise<Lease> {
    if (this.#closed) throw new Error("transport is closed");
    const grpc = await loadGrpc();
    if (this.#closed) throw new Error("transport is closed");
    const channel = this.#channel ??= { client: this.#newClient(grpc), calls: 0 };
    channel.calls++;
    let released = false;
    return {
      grpc,
      client: channel.client,
      release: () => {
        if (released) return;
        released = true;
        if (--channel.calls > 0) return;
        // The last call ended: close the session now, from our side (see the file comment).
        // This runs from grpc-js's deferred status callback or a promise job, never from
        // inside nghttp2's frame processing.
        if (this.#channel === channel) this.#channel = undefined;
        channel.client.close();
      },
    };
  }

  #newClient(grpc: Grpc): Client {
    return new grpc.Client(this.#target, grpc.credentials.createInsecure(), {
      // A Workload API stream may be silent for hours between rotations.
      "grpc.keepalive_permit_without_calls": 0,
      // The watches retry with their own backoff, and a call fails at once while the
      // channel is down; grpc-js's own reconnect backoff (1 s growing to 120 s by
      // default) would then keep a restarted agent unreachable for up to two minutes.
      // Reconnecting to a local endpoint is cheap: keep it within a second (WL §4.2).
      "grpc.initial_reconnect_backoff_ms": RECONNECT_BACKOFF_MS.initial,
      "grpc.max_reconnect_backoff_ms": RECONNECT_BACKOFF_MS.max,
    });
  }

  #metadata(grpc: Grpc): Metadata {
    const metadata = new grpc.Metadata();
    metadata.set(SECURITY_HEADER_KEY, SECURITY_HEADER_VALUE);
    return metadata;
  }

  /** Opens a server stream; messages are the decoded responses. */
  serverStream<Req, Res>(method: ClientMethod<Req, Res, true>, request: Req): ServerStream<Res> {
    let call: { cancel(): void } | undefined;
    let cancelled = false;
    const acquire = () => this.#acquire();
    const metadata = (grpc: Grpc) => this.#metadata(grpc);
    return {
      cancel() {
        cancelled = true;
        call?.cancel();
      },
      async *[Symbol.asyncIterator]() {
        if (cancelled) return;
        const lease = await acquire();
        try {
          if (cancelled) return;
          const stream = lease.client.makeServerStreamRequest(
            method.path,
            method.requestSerialize,
            method.responseDeserialize,
            request,
            metadata(lease.grpc),
          );
          call = stream;
          // grpc-js's stream is a Readable, whose iterator yields untyped chunks; each is
          // what `responseDeserialize` made.
          const messages: AsyncIterable<Res> = stream;
          try {
            yield* messages;
          } finally {
            stream.cancel();
          }
        } finally {
          lease.release();
        }
      },
    };
  }

  /** Makes a unary call; rejects with a WorkloadApiError carrying the gRPC status. */
  async unary<Req, Res>(
    method: ClientMethod<Req, Res, false>,
    request: Req,
    signal?: AbortSignal,
  ): Promise<Res> {
    const lease = await this.#acquire();
    return await new Promise<Res>((resolve, reject) => {
      const call = lease.client.makeUnaryRequest(
        method.path,
        method.requestSerialize,
        method.responseDeserialize,
        request,
        this.#metadata(lease.grpc),
        (err, response) => {
          signal?.removeEventListener("abort", cancel);
          lease.release();
          if (err) reject(toWorkloadApiError(err));
          else if (response === undefined) reject(toWorkloadApiError(new Error("no response")));
          else resolve(response);
        },
      );
      const cancel = () => call.cancel();
      // Aborted while connecting: cancel, so the call ends as CANCELLED like any other.
      if (signal?.aborted) cancel();
      else signal?.addEventListener("abort", cancel, { once: true });
    });
  }

  /** Closes the channel, ending every call on it. */
  close(): Promise<void> {
    this.#closed = true;
    const channel = this.#channel;
    this.#channel = undefined;
    channel?.client.close();
    return Promise.resolve();
  }
}
