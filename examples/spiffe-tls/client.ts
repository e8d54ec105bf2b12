/**
 * The hello client of the seed scenario (go-spiffe's `examples/spiffe-tls/client`): it
 * dials localhost:55555 with SPIFFE mutual TLS, accepts only a server with the ID
 * `spiffe://example.org/server`, says "Hello server", prints the answer and exits.
 *
 * ```sh
 * deno task client [--socket unix:///path/to/agent.sock]
 * ```
 *
 * The Workload API address comes from `--socket`, else `SPIFFE_ENDPOINT_SOCKET`, else
 * `unix:///tmp/agent.sock` (SPIRE's default). Exits 1 when there is no answer.
 *
 * @module
 */
import process from "node:process";
import type { TLSSocket } from "node:tls";
import { parseArgs } from "node:util";
import { authorizeId, dialWithMode, mtlsClientWithSourceOptions } from "@spiffe-ts/spiffe";

const SERVER_ADDRESS = { hostname: "localhost", port: 55555 };
const SERVER_ID = "spiffe://example.org/server";

const { values: flags } = parseArgs({ options: { socket: { type: "string" } } });
const address = flags.socket || process.env.SPIFFE_ENDPOINT_SOCKET || "unix:///tmp/agent.sock";

// Like the Go example's context: the whole exchange, agent included, has a deadline.
const signal = AbortSignal.timeout(10_000);

let socket: TLSSocket;
try {
  // The client expects the server to present an SVID with the SPIFFE ID
  // spiffe://example.org/server. The X509Source made here is closed with the socket.
  // With no agent, the source warns on stderr after 5 s what it waits for, and at the
  // deadline the error names the address and the last error.
  socket = await dialWithMode(
    SERVER_ADDRESS,
    mtlsClientWithSourceOptions(authorizeId(SERVER_ID), { address, signal }),
    { signal },
  );
} catch (err) {
  console.error(`Unable to create TLS connection: ${(err as Error).message}`);
  process.exit(1);
}

try {
  socket.write("Hello server\n");
  const reply = await readLine(socket, signal);
  console.log(`Server says: ${JSON.stringify(reply)}`);
} catch (err) {
  console.error(`Unable to read server response: ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  socket.destroy();
}

/** The first line the server sends (without "\n"), or what it sent before closing. */
function readLine(socket: TLSSocket, signal: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    let received = "";
    const settle = (err?: Error) => {
      socket.off("data", onData).off("end", onEnd).off("close", onEnd).off("error", settle);
      signal.removeEventListener("abort", onAbort);
      if (err) reject(err);
      else resolve(received);
    };
    const onData = (chunk: string) => {
      received += chunk;
      const end = received.indexOf("\n");
      if (end === -1) return;
      received = received.slice(0, end);
      settle();
    };
    const onEnd = () =>
      received === "" ? settle(new Error("connection closed by the server")) : settle();
    const onAbort = () => settle(signal.reason);
    socket.setEncoding("utf8");
    socket.on("data", onData).once("end", onEnd).once("close", onEnd).once("error", settle);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
