// Our side of the interop mode matrix: the hello server or client of the seed scenario in
// any spiffetls mode, through the public API only, printing the seed's lines (as the
// go-spiffe peers in cmd/ do):
//   deno run -A tests/interop/_ts_peer.ts --role server|client --mode tls|mtls|mtls-web
//     --socket unix:///... --addr 127.0.0.1:55555 [--authorize ID|any|member:TD]
//     [--max-tls 1.2|1.3] [--web-cert F --web-key F] [--roots F]
import process from "node:process";
import { readFileSync } from "node:fs";
import type { TLSSocket } from "node:tls";
import { parseArgs } from "node:util";
import {
  authorizeAny,
  authorizeId,
  authorizeMemberOf,
  type Authorizer,
  type ClientMode,
  dialWithMode,
  listenWithMode,
  mtlsClientWithSource,
  mtlsServerWithSource,
  mtlsWebClientWithSource,
  mtlsWebServerWithSource,
  type ServerMode,
  tlsClientWithSource,
  tlsServerWithSource,
  X509Source,
} from "../../mod.ts";

const { values: flags } = parseArgs({
  options: {
    role: { type: "string" },
    mode: { type: "string", default: "mtls" },
    socket: { type: "string" },
    addr: { type: "string", default: "127.0.0.1:55555" },
    authorize: { type: "string" },
    "max-tls": { type: "string" },
    "web-cert": { type: "string" },
    "web-key": { type: "string" },
    roots: { type: "string" },
  },
});

function authorizer(spec: string | undefined, fallback: string): Authorizer {
  const value = spec ?? fallback;
  if (value === "any") return authorizeAny();
  if (value.startsWith("member:")) return authorizeMemberOf(value.slice("member:".length));
  return authorizeId(value);
}

const [hostname, port] = [
  flags.addr!.slice(0, flags.addr!.lastIndexOf(":")),
  Number(flags.addr!.slice(flags.addr!.lastIndexOf(":") + 1)),
];
const tlsOptions = flags["max-tls"]
  ? { maxVersion: `TLSv${flags["max-tls"]}` as "TLSv1.2" | "TLSv1.3" }
  : {};
const source = await X509Source.create({
  address: flags.socket,
  signal: AbortSignal.timeout(15_000),
});

if (flags.role === "server") {
  const authorize = authorizer(flags.authorize, "spiffe://example.org/client");
  const mode: ServerMode = flags.mode === "tls"
    ? tlsServerWithSource(source)
    : flags.mode === "mtls-web"
    ? mtlsWebServerWithSource(authorize, {
      cert: readFileSync(flags["web-cert"]!, "utf8"),
      key: readFileSync(flags["web-key"]!, "utf8"),
    }, source)
    : mtlsServerWithSource(authorize, source);
  const server = await listenWithMode({ hostname, port }, mode, { tlsOptions });
  server.on("secureConnection", (socket: TLSSocket) => {
    let received = "";
    socket.setEncoding("utf8");
    socket.on("error", (err) => console.log(`Error reading incoming data: ${err.message}`));
    socket.on("data", (chunk: string) => {
      received += chunk;
      if (!received.includes("\n")) return;
      console.log(`Client says: ${JSON.stringify(received.slice(0, received.indexOf("\n")))}`);
      socket.end("Hello client\n");
    });
  });
  server.on("tlsClientError", (err: Error) => {
    console.log(`Error reading incoming data: ${err.message}`);
  });
  const stop = () => server.close(() => source.close().then(() => process.exit(0)));
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  console.log(`Server listening on ${flags.addr}`);
} else {
  const authorize = authorizer(flags.authorize, "spiffe://example.org/server");
  const mode: ClientMode = flags.mode === "tls"
    ? tlsClientWithSource(authorize, source)
    : flags.mode === "mtls-web"
    ? mtlsWebClientWithSource(flags.roots ? [readFileSync(flags.roots, "utf8")] : undefined, source)
    : mtlsClientWithSource(authorize, source);
  let socket: TLSSocket;
  try {
    socket = await dialWithMode({ hostname, port }, mode, { tlsOptions, timeout: 10_000 });
  } catch (err) {
    console.log(`Unable to create TLS connection: ${(err as Error).message}`);
    await source.close();
    process.exit(1);
  }
  const reply = await new Promise<string | Error>((resolve) => {
    let received = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => (received += chunk));
    socket.on("error", (err) => resolve(err));
    socket.on(
      "close",
      () =>
        resolve(received === "" ? new Error("connection closed by the server") : received.trim()),
    );
    socket.write("Hello server\n");
  });
  await source.close();
  if (reply instanceof Error) {
    console.log(`Unable to read server response: ${reply.message}`);
    process.exit(1);
  }
  console.log(`Server says: ${JSON.stringify(reply)}`);
}
