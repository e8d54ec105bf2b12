// The SPIRE checks' probe client: dials our hello server the way examples/spiffe-tls/
// client.ts does and reports which server certificate it saw. One line per exchange:
//   ok <start ms> <server leaf serial> <reply as JSON>
//   FAIL <start ms> <error>
// Modes:
//   (default)        exchanges every --interval ms until --count (0: until SIGTERM/SIGINT);
//                    each one dials with its own source, as the example client does:
//                    dialWithMode(..., mtlsClientWithSourceOptions(authorizeId(SERVER_ID), { address }))
//   --hold           makes one X509Source, prints `ready <own serial>`, then runs one
//                    exchange per line read on stdin over that source
//                    (mtlsClientWithSource), until stdin ends: it keeps working with the
//                    last SVID it got when the agent goes away.
// Permissions: those of `deno task client`.
import process from "node:process";
import { createInterface } from "node:readline";
import type { TLSSocket } from "node:tls";
import { parseArgs } from "node:util";
import {
  authorizeId,
  dialWithMode,
  mtlsClientWithSource,
  mtlsClientWithSourceOptions,
  X509Source,
} from "@spiffe-ts/spiffe";

const SERVER_ADDRESS = { hostname: "localhost", port: 55555 };
const SERVER_ID = "spiffe://example.org/server";

const { values: flags } = parseArgs({
  options: {
    socket: { type: "string", default: "unix:///tmp/agent.sock" },
    count: { type: "string", default: "1" },
    interval: { type: "string", default: "250" },
    hold: { type: "boolean", default: false },
  },
});
const address = flags.socket!;

async function exchange(source?: X509Source): Promise<string> {
  const started = Date.now();
  const signal = AbortSignal.timeout(5_000);
  let socket: TLSSocket | undefined;
  try {
    const mode = source
      ? mtlsClientWithSource(authorizeId(SERVER_ID), source)
      : mtlsClientWithSourceOptions(authorizeId(SERVER_ID), { address, signal });
    socket = await dialWithMode(SERVER_ADDRESS, mode, { signal });
    const serial = socket.getPeerX509Certificate()?.serialNumber ?? "none";
    socket.write("Hello server\n");
    const reply = await readLine(socket, signal);
    return `ok ${started} ${serial} ${JSON.stringify(reply)}`;
  } catch (err) {
    return `FAIL ${started} ${(err as Error).message}`;
  } finally {
    socket?.destroy();
  }
}

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

if (flags.hold) {
  const source = await X509Source.create({ address, signal: AbortSignal.timeout(10_000) });
  console.log(`ready ${source.getX509Svid().certificates[0].serialNumber}`);
  for await (const _line of createInterface({ input: process.stdin })) {
    console.log(await exchange(source));
  }
  await source.close();
} else {
  let stopping = false;
  const stop = () => stopping = true;
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  const count = Number(flags.count);
  const interval = Number(flags.interval);
  for (let i = 0; !stopping && (count === 0 || i < count); i++) {
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, interval));
    if (!stopping) console.log(await exchange());
  }
  process.off("SIGTERM", stop);
  process.off("SIGINT", stop);
}
