// The npm build under Node: run by `deno task test:node` (node --test) after dnt.ts has
// built npm/. Imports the compiled JavaScript, never the .ts sources.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import {
  AuthorizationError,
  authorizeId,
  dialWithMode,
  listenWithMode,
  mtlsClientWithSource,
  mtlsServerWithSource,
  peerIdFromSocket,
  X509Source,
} from "../../npm/esm/mod.js";
import { startDevAgent } from "../../npm/esm/src/devagent/mod.js";

const SERVER_ID = "spiffe://example.org/server";
const CLIENT_ID = "spiffe://example.org/client";
let dir, agent, serverSource, clientSource, server, port;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "spiffe-ts-node-"));
  agent = await startDevAgent({
    sockets: [
      { path: join(dir, "server.sock"), spiffeId: SERVER_ID },
      { path: join(dir, "client.sock"), spiffeId: CLIENT_ID },
    ],
  });
  serverSource = await X509Source.create({ address: agent.addresses[0] });
  clientSource = await X509Source.create({ address: agent.addresses[1] });
  server = await listenWithMode(
    { hostname: "127.0.0.1", port: 0 },
    mtlsServerWithSource(authorizeId(CLIENT_ID), serverSource),
  );
  server.on("secureConnection", (socket) => {
    socket.once("data", () => socket.end(`Hello ${peerIdFromSocket(socket).path.slice(1)}\n`));
  });
  port = server.address().port;
});

after(async () => {
  await new Promise((resolve) => server.close(resolve));
  await serverSource.close();
  await clientSource.close();
  await agent.close();
  await rm(dir, { recursive: true, force: true });
});

async function hello(authorizer) {
  const socket = await dialWithMode(
    { hostname: "localhost", port },
    mtlsClientWithSource(authorizer, clientSource),
  );
  assert.equal(peerIdFromSocket(socket).toString(), SERVER_ID);
  socket.setEncoding("utf8");
  socket.write("Hello server\n");
  let reply = "";
  for await (const chunk of socket) reply += chunk;
  return reply;
}

test("the devagent serves and an X509Source becomes ready", () => {
  assert.equal(serverSource.getX509Svid().id.toString(), SERVER_ID);
  assert.equal(clientSource.getX509Svid().id.toString(), CLIENT_ID);
});

test("listenWithMode and dialWithMode complete the hello exchange", async () => {
  assert.equal(await hello(authorizeId(SERVER_ID)), "Hello client\n");
});

test("a wrong server ID is refused with a typed error", async () => {
  await assert.rejects(hello(authorizeId("spiffe://example.org/other")), (err) => {
    assert.ok(err instanceof AuthorizationError);
    assert.equal(err.code, "ERR_AUTHORIZATION");
    assert.equal(err.message, `unexpected ID "${SERVER_ID}"`);
    return true;
  });
});

test("rotation is seen by the source and the next handshake uses it", async () => {
  const before = clientSource.getX509Svid();
  const updated = new Promise((resolve) => {
    const stop = clientSource.onUpdate((snapshot) => {
      stop();
      resolve(snapshot);
    });
  });
  await agent.rotate();
  const { svid } = await updated;
  assert.notEqual(svid.certificates[0].serialNumber, before.certificates[0].serialNumber);
  assert.equal(await hello(authorizeId(SERVER_ID)), "Hello client\n");
});
