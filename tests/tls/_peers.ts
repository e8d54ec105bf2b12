// Test peers for the refusal tests: a hello server started with listenWithMode, plain
// node:tls servers and clients that are not spiffe-ts (they present or trust whatever a
// test gives them), and a dial that must fail.
import assert from "node:assert/strict";
import {
  connect,
  type ConnectionOptions,
  createServer,
  type Server,
  type TlsOptions,
  type TLSSocket,
} from "node:tls";
import { dialWithMode, listenWithMode, type ServerMode } from "../../mod.ts";
import type { TestCa } from "../_helpers/ca.ts";
import {
  closeServer,
  closeSocket,
  type HelloLog,
  LOOPBACK,
  portOf,
  serveHello,
} from "./_fixtures.ts";

/** A hello server started with listenWithMode; disposing it closes it. */
export async function serving(mode: ServerMode): Promise<
  { server: Server; log: HelloLog; port: number } & AsyncDisposable
> {
  const server = await listenWithMode(LOOPBACK, mode);
  const log = serveHello(server);
  return {
    server,
    log,
    port: portOf(server),
    [Symbol.asyncDispose]: () => closeServer(server),
  };
}

/** A plain node:tls server (not spiffe-ts) that answers every client that gets through. */
export async function plainServer(options: TlsOptions): Promise<
  { server: Server; port: number; errors: Error[]; secured: TLSSocket[] } & AsyncDisposable
> {
  const errors: Error[] = [];
  const secured: TLSSocket[] = [];
  const server = createServer(options, (socket) => {
    secured.push(socket);
    socket.on("error", () => socket.destroy());
    socket.resume(); // drain what the client says, or the socket never sees its end
    socket.end("Hello client\n");
  });
  server.on("tlsClientError", (err: Error) => errors.push(err));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    server,
    port: portOf(server),
    errors,
    secured,
    [Symbol.asyncDispose]: () => closeServer(server),
  };
}

/** A plain node:tls client: resolves `"secure"` (then closes) or the error it got. */
export function plainConnect(options: ConnectionOptions): Promise<"secure" | Error> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", ...options });
    socket.once("secureConnect", () => {
      const authorized = socket.authorized;
      closeSocket(socket).then(() =>
        resolve(authorized ? "secure" : new Error(`unauthorized: ${socket.authorizationError}`))
      );
    });
    socket.once("error", (err) => {
      socket.destroy();
      resolve(err);
    });
  });
}

/** node:tls client options presenting `cert` (any certificate at all) and trusting `ca`. */
export function presenting(cert: { pem: string; keyPem: string }, ca: string[]): ConnectionOptions {
  return { cert: cert.pem, key: cert.keyPem, ca, checkServerIdentity: () => undefined };
}

/** The PEM certificates of some test CAs, as `ca`. */
export function pems(...cas: TestCa[]): string[] {
  return cas.map((ca) => ca.cert.pem);
}

/** Dials and expects the dial itself to fail; resolves to what it rejected with. */
export async function dialRefused(
  port: number,
  mode: Parameters<typeof dialWithMode>[1],
): Promise<unknown> {
  try {
    const socket = await dialWithMode({ hostname: "127.0.0.1", port }, mode);
    await closeSocket(socket);
  } catch (err) {
    return err;
  }
  assert.fail("the dial succeeded");
}

/** Connects, says hello, and collects whatever comes back until the connection ends. */
export function plainConnectThenRead(
  port: number,
  options: ConnectionOptions,
): Promise<{ received: string; error?: Error }> {
  return new Promise((resolve) => {
    let received = "";
    let error: Error | undefined;
    const socket = connect({ host: "127.0.0.1", port, ...options });
    socket.on("secureConnect", () => socket.write("Hello server\n"));
    socket.on("data", (chunk) => (received += chunk));
    socket.on("error", (err) => (error = err));
    socket.on("close", () => resolve({ received, error }));
  });
}
