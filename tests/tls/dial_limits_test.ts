// dialWithMode's bounds: a server that never answers the handshake, an abort signal, a
// port nobody listens on. The dial rejects, the socket is gone, and a source the mode
// made is closed again (leak tracing checks it).
import assert from "node:assert/strict";
import { createServer as createNetServer, type Server as NetServer, type Socket } from "node:net";
import {
  authorizeAny,
  dialWithMode,
  mtlsClientWithSource,
  mtlsClientWithSourceOptions,
  tlsClientWithRawConfig,
  WorkloadApiError,
  X509SvidError,
} from "../../mod.ts";
import { assertRejectsSpiffe } from "../_helpers/assert.ts";
import { agentWith, delay, FAST_BACKOFF } from "../_helpers/agent.ts";
import {
  CLIENT_ID,
  closed,
  closeServer,
  expiredSource,
  makePki,
  portOf,
  SERVER_ID,
} from "./_fixtures.ts";

/** A TCP server that accepts connections and never says a word. */
async function silentServer(): Promise<{ server: NetServer; sockets: Socket[] } & AsyncDisposable> {
  const sockets: Socket[] = [];
  const server = createNetServer((socket) => {
    sockets.push(socket);
    socket.on("error", () => socket.destroy());
    socket.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    server,
    sockets,
    async [Symbol.asyncDispose]() {
      for (const socket of sockets) socket.destroy();
      await closeServer(server);
    },
  };
}

Deno.test("a dial to a server that never finishes the handshake times out, and lets go of the socket", async () => {
  const pki = await makePki();
  await using silent = await silentServer();
  await assert.rejects(
    dialWithMode(
      { hostname: "127.0.0.1", port: portOf(silent.server) },
      tlsClientWithRawConfig(authorizeAny(), pki.exampleBundle),
      { timeout: 200 },
    ),
    (err: Error) => err.name === "TimeoutError",
  );
  // The server side sees the client go away.
  assert.equal(silent.sockets.length, 1);
  await closed(silent.sockets[0]);
});

Deno.test("aborting the dial signal rejects with its reason, before or during the handshake", async () => {
  const pki = await makePki();
  await using silent = await silentServer();
  const address = { hostname: "127.0.0.1", port: portOf(silent.server) };
  const mode = tlsClientWithRawConfig(authorizeAny(), pki.exampleBundle);

  const reason = new Error("the user gave up");
  await assert.rejects(
    dialWithMode(address, mode, { signal: AbortSignal.abort(reason) }),
    (err) => err === reason,
  );
  assert.equal(silent.sockets.length, 0, "an aborted dial must not even connect");

  const controller = new AbortController();
  const dialing = dialWithMode(address, mode, { signal: controller.signal });
  while (silent.sockets.length === 0) await delay(5);
  controller.abort(reason);
  await assert.rejects(dialing, (err) => err === reason);
  await closed(silent.sockets[0]);
});

Deno.test("a dial to a port nobody listens on fails, and the source the mode made is closed", async () => {
  await using agent = await agentWith([SERVER_ID]);
  const silent = await silentServer();
  const port = portOf(silent.server);
  await silent[Symbol.asyncDispose](); // the port is free again: nobody listens there
  await assert.rejects(
    dialWithMode(
      { hostname: "127.0.0.1", port },
      mtlsClientWithSourceOptions(authorizeAny(), {
        address: agent.addresses[0],
        backoff: FAST_BACKOFF,
      }),
    ),
    (err: Error & { code?: string }) => err.code === "ECONNREFUSED",
  );
});

Deno.test("a dial that times out closes the source the mode made", async () => {
  await using agent = await agentWith([SERVER_ID]);
  await using silent = await silentServer();
  await assert.rejects(
    dialWithMode(
      { hostname: "127.0.0.1", port: portOf(silent.server) },
      mtlsClientWithSourceOptions(authorizeAny(), {
        address: agent.addresses[0],
        backoff: FAST_BACKOFF,
      }),
      { timeout: 1000 },
    ),
    // The timeout bounds the whole dial: the handshake here, or (on a very slow machine)
    // already the wait for the source's first update.
    (err: Error) => err.name === "TimeoutError" || err instanceof WorkloadApiError,
  );
});

Deno.test("a client whose source's SVID expired does not dial: X509SvidError, no connection", async () => {
  await using expired = await expiredSource(CLIENT_ID);
  await using silent = await silentServer();
  await assertRejectsSpiffe(
    dialWithMode(
      { hostname: "127.0.0.1", port: portOf(silent.server) },
      mtlsClientWithSource(authorizeAny(), expired.source),
    ),
    X509SvidError,
    "ERR_X509_SVID",
    /^x509source: X509-SVID "spiffe:\/\/example.org\/client" expired at .* and no newer one has arrived/,
  );
  assert.equal(silent.sockets.length, 0, "an expired SVID must never be presented");
});
