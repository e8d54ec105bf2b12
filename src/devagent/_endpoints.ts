// The devagent's endpoints: one gRPC server per socket (a unix socket file or a loopback
// TCP port), fed by its own Connections, and everything needed to take them down again.
import * as grpc from "@grpc/grpc-js";
import { chmod, lstat, unlink } from "node:fs/promises";
import { connect } from "node:net";
import { Connections } from "./_connections.ts";
import type { EndpointState } from "./_handlers.ts";
import type { Identity } from "./_identity.ts";
import type { DevAgentSocket } from "./agent.ts";

interface Endpoint extends EndpointState {
  server: grpc.Server;
  /** Accepts the connections and hands them to `server` (see {@linkcode Connections}). */
  connections: Connections;
  address: string;
  path: string | undefined;
}

/** The endpoints an agent listens on, in the order they were opened. */
export class Endpoints {
  readonly #endpoints: Endpoint[] = [];

  /** The Workload API address of each endpoint: `unix:///...` or `tcp://127.0.0.1:port`. */
  get addresses(): readonly string[] {
    return this.#endpoints.map((endpoint) => endpoint.address);
  }

  /**
   * The state of an endpoint.
   *
   * @param index Its position.
   * @returns The endpoint, or `undefined`.
   */
  at(index: number): EndpointState | undefined {
    return this.#endpoints[index];
  }

  /**
   * Starts listening on a socket. Once the socket file exists, {@linkcode Endpoints.close}
   * owns it, even when this fails afterwards.
   *
   * @param socket Where to listen, and the file mode of a unix socket.
   * @param identity The identity callers on it get.
   * @param serve Registers the Workload API on the endpoint's server.
   * @throws {TypeError} When the socket has neither a path nor a TCP port, or a relative path.
   * @throws {Error} When the path is a socket another process listens on.
   */
  async open(
    socket: DevAgentSocket,
    identity: Identity | undefined,
    serve: (server: grpc.Server, endpoint: EndpointState) => void,
  ): Promise<void> {
    const server = new grpc.Server();
    const connections = new Connections(server);
    const endpoint: Endpoint = {
      server,
      connections,
      address: "",
      path: socket.path,
      identity,
      x509Streams: new Set(),
    };
    serve(server, endpoint);
    if (socket.path !== undefined) {
      if (!socket.path.startsWith("/")) throw new TypeError("socket paths must be absolute");
      await removeStaleSocket(socket.path);
      await connections.listen({ path: socket.path });
      // From here on, close() owns the endpoint (and removes the socket file).
      this.#endpoints.push(endpoint);
      await chmod(socket.path, socket.mode ?? 0o600);
      endpoint.address = `unix://${socket.path}`;
      return;
    } else if (socket.tcpPort !== undefined) {
      const port = await connections.listen({ host: "127.0.0.1", port: socket.tcpPort });
      endpoint.address = `tcp://127.0.0.1:${port}`;
    } else {
      throw new TypeError("a socket needs a path or a tcpPort");
    }
    this.#endpoints.push(endpoint);
  }

  /** Drops every connection, stops every server and removes the socket files. */
  async close(): Promise<void> {
    for (const endpoint of this.#endpoints) {
      await endpoint.connections.close();
      endpoint.server.forceShutdown();
      if (endpoint.path !== undefined) await unlink(endpoint.path).catch(() => {});
    }
  }
}

/**
 * Removes a socket file left by a previous run: never any other kind of file, and never
 * a socket some process still listens on (that is an error, as for a busy TCP port).
 */
async function removeStaleSocket(path: string): Promise<void> {
  const stat = await lstat(path).catch(() => undefined);
  if (!stat?.isSocket()) return;
  const live = await new Promise<boolean>((resolve) => {
    const probe = connect(path);
    probe.once("connect", () => {
      probe.destroy();
      resolve(true);
    });
    probe.once("error", () => resolve(false));
  });
  if (live) throw new Error(`${path} is in use by another process`);
  await unlink(path);
}
