// The hello round-trip scenario of bench/handshake.ts under Node 20, against the npm build
// (npm/, made by dnt.ts): listenWithMode/dialWithMode with authorizeId versus plain
// node:tls with the same SVIDs and bundle, client and server in this one process,
// 8 round trips in flight, variants alternated (A/B) after a warm-up, medians printed.
// Run: deno task bench:node
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, createSecureContext, createServer } from "node:tls";
import {
  authorizeId,
  dialWithMode,
  listenWithMode,
  mtlsClientWithSource,
  mtlsServerWithSource,
  X509Source,
} from "../npm/esm/mod.js";
import { startDevAgent } from "../npm/esm/src/devagent/mod.js";

const HOST = "127.0.0.1";
const IN_FLIGHT = 8;
const ROUND_TRIPS = 2000;
const PAIRS = 5;
const SERVER_ID = "spiffe://example.org/server";
const CLIENT_ID = "spiffe://example.org/client";

const dir = await mkdtemp(join(tmpdir(), "spiffe-ts-bench-node-"));
const agent = await startDevAgent({
  sockets: [
    { path: join(dir, "server.sock"), spiffeId: SERVER_ID },
    { path: join(dir, "client.sock"), spiffeId: CLIENT_ID },
  ],
});
const serverSource = await X509Source.create({ address: agent.addresses[0] });
const clientSource = await X509Source.create({ address: agent.addresses[1] });

function answer(socket) {
  socket.once("data", () => socket.end("Hello client\n"));
  socket.on("error", () => socket.destroy());
}

const spiffeServer = await listenWithMode(
  { hostname: HOST, port: 0 },
  mtlsServerWithSource(authorizeId(CLIENT_ID), serverSource),
);
spiffeServer.on("secureConnection", answer);

const serverPem = serverSource.getX509Svid().marshal();
const clientPem = clientSource.getX509Svid().marshal();
const bundlePem = agent.bundle.marshal();
const plainServer = createServer({
  cert: serverPem.certificates,
  key: serverPem.privateKey,
  ca: bundlePem,
  requestCert: true,
  rejectUnauthorized: true,
}, answer);
await new Promise((resolve) => plainServer.listen(0, HOST, resolve));

function exchange(socket) {
  return new Promise((resolve, reject) => {
    socket.once("error", reject);
    socket.once("data", () => {
      socket.destroy();
      resolve();
    });
    socket.write("Hello server\n");
  });
}

const plainContext = createSecureContext({
  cert: clientPem.certificates,
  key: clientPem.privateKey,
  ca: bundlePem,
});

async function plainDial(options) {
  const socket = connect({
    host: HOST,
    port: plainServer.address().port,
    ...options,
    // The SVID names a SPIFFE ID, not a host: plain node:tls can only skip the check.
    checkServerIdentity: () => undefined,
  });
  await new Promise((resolve, reject) => {
    socket.once("secureConnect", resolve);
    socket.once("error", reject);
  });
  await exchange(socket);
}

const variants = {
  spiffe: async () => {
    const socket = await dialWithMode(
      { hostname: HOST, port: spiffeServer.address().port },
      mtlsClientWithSource(authorizeId(SERVER_ID), clientSource),
    );
    await exchange(socket);
  },
  // As most code calls it: PEM options on every connect (a context built per connection).
  plain: () =>
    plainDial({ cert: clientPem.certificates, key: clientPem.privateKey, ca: bundlePem }),
  // The best case for plain node:tls: one secure context built up front.
  plainContext: () => plainDial({ secureContext: plainContext }),
};

async function rate(run, count) {
  let next = 0;
  const start = performance.now();
  await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
    while (next++ < count) await run();
  }));
  return count / ((performance.now() - start) / 1000);
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

try {
  const names = Object.keys(variants);
  for (const name of names) await rate(variants[name], 300);
  const rates = Object.fromEntries(names.map((name) => [name, []]));
  for (let pair = 0; pair < PAIRS; pair++) {
    const order = pair % 2 === 0 ? names : [...names].reverse();
    for (const name of order) rates[name].push(await rate(variants[name], ROUND_TRIPS));
  }
  const [spiffe, plain, plainContext] = names.map((name) => median(rates[name]));
  const row = (label, value) => console.log(`${label.padEnd(58)} ${String(value).padStart(8)}`);
  console.log(`Node ${process.version}, npm build, one process, ${IN_FLIGHT} in flight, EC P-256`);
  row("listenWithMode/dialWithMode + authorizeId (round trips/s)", Math.round(spiffe));
  row("plain node:tls, PEM options per connect (round trips/s)", Math.round(plain));
  row("plain node:tls, one prebuilt secureContext (round trips/s)", Math.round(plainContext));
  row("ratio to plain, PEM options per connect", (spiffe / plain).toFixed(3));
  row("ratio to plain, prebuilt secureContext", (spiffe / plainContext).toFixed(3));
} finally {
  await new Promise((resolve) => spiffeServer.close(resolve));
  await new Promise((resolve) => plainServer.close(resolve));
  await serverSource.close();
  await clientSource.close();
  await agent.close();
  await rm(dir, { recursive: true, force: true });
}
