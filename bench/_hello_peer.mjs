// One side of the interop comparison (bench/interop_compare.ts), runnable by Deno and by
// Node: `--lib` names the library entry (../mod.ts for Deno, npm/esm/mod.js for Node).
//   serve:  --role serve --socket unix:///... --port 0         prints {"port":N}, serves hellos
//   load:   --role load --socket ... --port N -n 2000 -c 8     prints {"rate":R,"failures":F}
//   source: --role source --socket ...                          prints {"readyMs":X}
//   once:   --role once --socket ... --port N                   one hello, then exits
import process from "node:process";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";

const { values: flags } = parseArgs({
  options: {
    lib: { type: "string" },
    role: { type: "string" },
    socket: { type: "string" },
    port: { type: "string", default: "0" },
    n: { type: "string", default: "2000" },
    c: { type: "string", default: "8" },
  },
});
const started = performance.now();
const lib = await import(pathToFileURL(resolve(flags.lib)).href);
const address = flags.socket;
const SERVER = "spiffe://example.org/server";
const CLIENT = "spiffe://example.org/client";

function hello(source, port) {
  return lib.dialWithMode(
    { hostname: "127.0.0.1", port },
    lib.mtlsClientWithSource(lib.authorizeId(SERVER), source),
  ).then((socket) =>
    new Promise((done, fail) => {
      let data = "";
      socket.setEncoding("utf8");
      socket.on("data", (chunk) => (data += chunk));
      socket.on("error", fail);
      socket.on(
        "close",
        () => (data.startsWith("Hello client") ? done() : fail(new Error("no reply"))),
      );
      socket.write("Hello server\n");
    })
  );
}

if (flags.role === "serve") {
  const source = await lib.X509Source.create({ address });
  const server = await lib.listenWithMode(
    { hostname: "127.0.0.1", port: Number(flags.port) },
    lib.mtlsServerWithSource(lib.authorizeId(CLIENT), source),
  );
  server.on("secureConnection", (socket) => {
    socket.on("error", () => socket.destroy());
    socket.once("data", () => socket.end("Hello client\n"));
  });
  console.log(JSON.stringify({ port: server.address().port }));
  const stop = () => server.close(() => source.close().then(() => process.exit(0)));
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
} else if (flags.role === "source") {
  const source = await lib.X509Source.create({ address });
  console.log(JSON.stringify({ readyMs: performance.now() - started }));
  await source.close();
} else if (flags.role === "once") {
  const source = await lib.X509Source.create({ address });
  await hello(source, Number(flags.port));
  await source.close();
} else {
  const source = await lib.X509Source.create({ address });
  const total = Number(flags.n);
  let next = 0;
  let failures = 0;
  const begin = performance.now();
  await Promise.all(Array.from({ length: Number(flags.c) }, async () => {
    while (next < total) {
      next++;
      await hello(source, Number(flags.port)).catch(() => failures++);
    }
  }));
  const seconds = (performance.now() - begin) / 1000;
  console.log(JSON.stringify({ roundTrips: total, seconds, rate: total / seconds, failures }));
  await source.close();
}
