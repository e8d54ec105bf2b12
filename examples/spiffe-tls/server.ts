/**
 * The hello server of the seed scenario (go-spiffe's `examples/spiffe-tls/server`): it
 * listens on localhost:55555 for SPIFFE mutual TLS, accepts only
 * `spiffe://example.org/client`, logs what the client says and answers "Hello client".
 *
 * ```sh
 * deno task server [--socket unix:///path/to/agent.sock]
 * ```
 *
 * The Workload API address comes from `--socket`, else `SPIFFE_ENDPOINT_SOCKET`, else
 * `unix:///tmp/agent.sock` (SPIRE's default). Stop it with Ctrl-C (SIGINT) or SIGTERM.
 *
 * @module
 */
import process from "node:process";
import type { Server, TLSSocket } from "node:tls";
import { parseArgs } from "node:util";
import { authorizeId, listenWithMode, mtlsServerWithSourceOptions } from "@spiffe-ts/spiffe";

const SERVER_ADDRESS = { hostname: "localhost", port: 55555 };
const CLIENT_ID = "spiffe://example.org/client";

const { values: flags } = parseArgs({ options: { socket: { type: "string" } } });
const address = flags.socket || process.env.SPIFFE_ENDPOINT_SOCKET || "unix:///tmp/agent.sock";

const shutdown = new AbortController();
const stop = () => shutdown.abort();
process.once("SIGINT", stop);
process.once("SIGTERM", stop);

const connections = new Set<TLSSocket>();
let server: Server;
try {
  // The server expects the client to present an SVID with the SPIFFE ID
  // spiffe://example.org/client. Without `address`, the source would use
  // SPIFFE_ENDPOINT_SOCKET, as `listen(address, authorizer)` does. Until the agent
  // answers, the source says on stderr what it waits for (after 5 s, then every minute):
  //   x509source: still waiting for the first update from the Workload API at
  //   unix:///tmp/agent.sock (from the address option) after 5 s; last error: ...
  // (`logger: nullLogger` silences it, `waitWarning: { after, every }` sets the delays).
  server = await listenWithMode(
    SERVER_ADDRESS,
    mtlsServerWithSourceOptions(authorizeId(CLIENT_ID), { address, signal: shutdown.signal }),
    { signal: shutdown.signal },
  );
} catch (err) {
  console.error(`Unable to create TLS listener: ${(err as Error).message}`);
  process.exit(1);
}

// Only clients that passed the SPIFFE checks get here.
server.on("secureConnection", (socket: TLSSocket) => {
  connections.add(socket);
  socket.once("close", () => connections.delete(socket));
  handleConnection(socket);
});
// A refused client: `unexpected ID "spiffe://example.org/server"`, or a failed handshake.
server.on("tlsClientError", (err: Error) => {
  console.log(`Error reading incoming data: ${err.message}`);
});
server.once("close", () => {
  process.off("SIGINT", stop);
  process.off("SIGTERM", stop);
});
shutdown.signal.addEventListener("abort", () => {
  for (const socket of connections) socket.destroy();
  console.log("Server stopped");
});
console.log(`Server listening on ${SERVER_ADDRESS.hostname}:${SERVER_ADDRESS.port}`);

/** Reads one line, logs it, answers, and closes the connection. */
function handleConnection(socket: TLSSocket): void {
  let received = "";
  socket.setEncoding("utf8");
  socket.on("data", (chunk: string) => {
    received += chunk;
    const end = received.indexOf("\n");
    if (end === -1) return;
    socket.removeAllListeners("data");
    console.log(`Client says: ${JSON.stringify(received.slice(0, end))}`);
    // Send a response back to the client, then close the connection.
    socket.end("Hello client\n");
  });
  socket.on("end", () => {
    if (!received.includes("\n")) console.log("Error reading incoming data: EOF");
  });
  socket.on("error", (err) => console.log(`Error reading incoming data: ${err.message}`));
}
