// Who owns an endpoint's connections: the agent, not grpc-js, so that it can keep Deno's
// HTTP/2 sessions out of the state that aborts the process (denoland/deno#36788).
import * as grpc from "@grpc/grpc-js";
import { createServer, type Server as NetServer, type Socket } from "node:net";
import { setTimeout as startTimer } from "node:timers";
import { withoutGoaway } from "./_without_goaway.ts";

/**
 * The listening socket of one endpoint, feeding its connections to the grpc-js server
 * through a connection injector, so that the agent owns every connection and what the
 * server reads from it.
 *
 * Deno (2.9, denoland/deno#36788) aborts the process when an HTTP/2 session receives a
 * GOAWAY while it has carried streams but has none open: Deno closes the session from the
 * GOAWAY frame's own callback, destroying it under nghttp2, which then walks freed streams
 * (`find_stream_on_goaway_func: Assertion 'stream->closed_next == NULL'`, or SIGSEGV).
 * A client that closes its channel after a call sends exactly that (3 of 8 runs of 100
 * fetch-and-close clients aborted the agent; 0 of 8 with this filter). So the client's
 * GOAWAY never reaches the server (its EOF follows and ends the session), and `close()`
 * drops the connections before `forceShutdown()` can send clients a GOAWAY (idle clients
 * across 5 restarts: 11 of 20 runs aborted with it, 0 of 20 without).
 */
export class Connections {
  readonly #listener: NetServer;
  readonly #sockets = new Set<Socket>();

  constructor(server: grpc.Server) {
    const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
    this.#listener = createServer((socket) => {
      this.#sockets.add(socket);
      socket.once("close", () => this.#sockets.delete(socket));
      injector.injectConnection(withoutGoaway(socket));
    });
  }

  /** Listens on a unix socket path or a TCP address; resolves with the TCP port (or 0). */
  listen(options: { path: string } | { host: string; port: number }): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#listener.once("error", reject);
      this.#listener.listen(options, () => {
        this.#listener.off("error", reject);
        const address = this.#listener.address();
        resolve(typeof address === "object" && address !== null ? address.port : 0);
      });
    });
  }

  /**
   * Stops listening and ends every connection (EOF for the client, no GOAWAY), waiting
   * until each client has closed its side too, so that it knows the agent is gone (its
   * next call fails UNAVAILABLE rather than on a half-closed socket).
   */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#listener.close(() => resolve()));
    await Promise.all([...this.#sockets].map((socket) => endConnection(socket)));
    await closed;
  }
}

/** How long a client may take to close its side of an ended connection. */
const CONNECTION_CLOSE_GRACE_MS = 1000;

/** Ends `socket` and resolves once it is closed (destroyed after a grace period). */
function endConnection(socket: Socket): Promise<void> {
  if (socket.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = startTimer(() => socket.destroy(), CONNECTION_CLOSE_GRACE_MS);
    socket.once("close", () => {
      clearTimeout(timer);
      resolve();
    });
    socket.end();
  });
}
