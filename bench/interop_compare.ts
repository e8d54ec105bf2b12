// go-spiffe and spiffe-ts side by side, in one run, on one Workload API (our devagent):
//   - hello round trips/s (mTLS, one X509Source per client process) at 8 and 32 in flight
//     for go-spiffe server+client, ours on Deno, ours on Node 20 (the npm build), and the
//     two mixed pairs;
//   - whole-process hello client time (start -> SVID -> one hello -> exit), median of 7;
//   - X509Source ready time (from program start), median of 7.
// Every server and client is its own process. Prints ratios ours/go-spiffe; no assertions.
// Needs the interop tools (built on first use, see tests/interop/_build.ts) and the npm
// build (`deno task build:npm`, then `npm install` in npm/).
// Run: deno task bench:interop [--n=2000]
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startDevAgent } from "../src/devagent/mod.ts";
import { buildTools } from "../tests/interop/_build.ts";
import { type Proc, run, spawn } from "../tests/interop/_process.ts";

const { values: flags } = parseArgs({
  args: Deno.args,
  options: { n: { type: "string", default: "2000" } },
});
const N = Number(flags.n);
const ROOT = new URL("../", import.meta.url).pathname;
const PEER = `${ROOT}bench/_hello_peer.mjs`;
const NODE_LIB = `${ROOT}npm/esm/mod.js`;
const DENO_LIB = `${ROOT}mod.ts`;

type Impl = "go" | "deno" | "node";

const tools = await buildTools({ spire: false });
const dir = await mkdtemp(join(tmpdir(), "spiffe-ts-compare-"));
const serverSocket = join(dir, "server.sock");
const clientSocket = join(dir, "client.sock");
const agent = await startDevAgent({
  sockets: [
    { path: serverSocket, spiffeId: "spiffe://example.org/server" },
    { path: clientSocket, spiffeId: "spiffe://example.org/client" },
  ],
});

function ourCommand(impl: "deno" | "node", args: string[]): [string, string[]] {
  return impl === "deno"
    ? ["deno", ["run", "-A", PEER, "--lib", DENO_LIB, ...args]]
    : ["node", [PEER, "--lib", NODE_LIB, ...args]];
}

async function startServer(impl: Impl): Promise<{ running: Proc; port: number }> {
  if (impl === "go") {
    const running = spawn("go server", tools.peer("hello-server"), [
      "-addr",
      "127.0.0.1:0",
      "-socket",
      `unix://${serverSocket}`,
    ]);
    const line = await running.waitFor(/Server listening on/);
    return { running, port: Number(line.slice(line.lastIndexOf(":") + 1)) };
  }
  const [program, args] = ourCommand(impl, [
    "--role",
    "serve",
    "--socket",
    `unix://${serverSocket}`,
  ]);
  const running = spawn(`${impl} server`, program, args, { cwd: ROOT });
  const line = await running.waitFor(/"port"/);
  return { running, port: JSON.parse(line).port };
}

async function load(impl: Impl, port: number, inFlight: number): Promise<number> {
  const common = ["-n", String(N), "-c", String(inFlight)];
  const result = impl === "go"
    ? await run(
      "go load",
      tools.peer("spiffe-bench"),
      [
        "hello",
        "-addr",
        `127.0.0.1:${port}`,
        "-socket",
        `unix://${clientSocket}`,
        ...common,
      ],
      {},
      300_000,
    )
    : await run(
      `${impl} load`,
      ...ourCommand(impl, [
        "--role",
        "load",
        "--socket",
        `unix://${clientSocket}`,
        "--port",
        String(port),
        ...common.map((arg) => arg.replace(/^-/, "--")),
      ]),
      { cwd: ROOT },
      300_000,
    );
  const line = result.stdout.find((candidate) => candidate.startsWith("{"));
  if (result.code !== 0 || line === undefined) throw new Error(`${impl} load: ${result.lines}`);
  const figures = JSON.parse(line);
  if (figures.failures > 0) throw new Error(`${impl} load: ${figures.failures} failures`);
  return figures.rate;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function wallMs(program: string, args: string[]): Promise<number> {
  const begin = performance.now();
  const result = await run("timed", program, args, { cwd: ROOT });
  if (result.code !== 0) throw new Error(`${program}: ${result.lines}`);
  return performance.now() - begin;
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
try {
  console.log(`N = ${N} round trips per figure; Deno ${Deno.version.deno}; devagent, EC P-256`);
  const pairs: [Impl, Impl][] = [
    ["go", "go"],
    ["deno", "deno"],
    ["node", "node"],
    ["go", "deno"],
    ["deno", "go"],
  ];
  const rates = new Map<string, number>();
  for (const [client, server] of pairs) {
    const { running, port } = await startServer(server);
    try {
      for (const inFlight of [8, 32]) {
        await load(client, port, inFlight).catch(() => 0); // warm-up, same size
        const rate = await load(client, port, inFlight);
        rates.set(`${client}/${server}/${inFlight}`, rate);
        const base = rates.get(`go/go/${inFlight}`)!;
        console.log(
          `hello rt/s, ${client} client -> ${server} server, c=${inFlight}: ${fmt(rate)} (${
            (rate / base).toFixed(2)
          }x go-spiffe pair)`,
        );
      }
    } finally {
      await running.stop();
    }
  }

  const { running, port } = await startServer("go");
  try {
    const once = (impl: Impl) =>
      impl === "go"
        ? wallMs(tools.peer("spiffe-bench"), [
          "hello-once",
          "-addr",
          `127.0.0.1:${port}`,
          "-socket",
          `unix://${clientSocket}`,
        ])
        : wallMs(
          ...ourCommand(impl, [
            "--role",
            "once",
            "--socket",
            `unix://${clientSocket}`,
            "--port",
            String(port),
          ]),
        );
    const whole = new Map<Impl, number>();
    for (const impl of ["go", "deno", "node"] as Impl[]) {
      const times = [];
      for (let i = 0; i < 7; i++) times.push(await once(impl));
      whole.set(impl, median(times));
      console.log(
        `whole-process hello client, ${impl}: ${whole.get(impl)!.toFixed(1)} ms (${
          (whole.get(impl)! / whole.get("go")!).toFixed(1)
        }x go-spiffe)`,
      );
    }
  } finally {
    await running.stop();
  }

  const ready = new Map<Impl, number>();
  for (const impl of ["go", "deno", "node"] as Impl[]) {
    const times = [];
    for (let i = 0; i < 7; i++) {
      const result = impl === "go"
        ? await run("go source", tools.peer("spiffe-bench"), [
          "source",
          "-socket",
          `unix://${clientSocket}`,
        ])
        : await run(
          `${impl} source`,
          ...ourCommand(impl, ["--role", "source", "--socket", `unix://${clientSocket}`]),
          {
            cwd: ROOT,
          },
        );
      times.push(JSON.parse(result.stdout.find((line) => line.startsWith("{"))!).readyMs);
    }
    ready.set(impl, median(times));
    console.log(
      `X509Source ready (from program start), ${impl}: ${ready.get(impl)!.toFixed(1)} ms (${
        (ready.get(impl)! / ready.get("go")!).toFixed(1)
      }x go-spiffe)`,
    );
  }
} finally {
  await agent.close();
  await rm(dir, { recursive: true, force: true });
}
