// go-spiffe on the other end, on our devagent: the seed's hello programs in both
// directions (refusals included), every spiffetls mode pair at TLS 1.2 and 1.3, and
// go-spiffe's workloadapi client against the devagent (all RPCs, rotation, the security
// header rule, a federated trust domain).
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startDevAgent } from "../../../src/devagent/mod.ts";
import { TestCa } from "../../_helpers/ca.ts";
import type { CheckGroup, InteropTools } from "../_check.ts";
import { exampleArgs, ROOT, tsPeerArgs } from "../_examples.ts";
import { type Proc, run, spawn } from "../_process.ts";

const SERVER_ID = "spiffe://example.org/server";
const CLIENT_ID = "spiffe://example.org/client";
/** The good answer, as our client prints it and as go-spiffe's example does (`%q`, "\n" kept). */
const GOOD_REPLY = /^Server says: "Hello client(\\n)?"$/;
const answered = (lines: string[]) => lines.some((line) => GOOD_REPLY.test(line));
const SEED_PORT = "localhost:55555";

function expect(condition: boolean, message: string): void {
  if (!condition) throw new Error(message);
}

/** The devagent world of this group: sockets, a federated domain, a web certificate. */
interface World {
  dir: string;
  serverSocket: string;
  clientSocket: string;
  webCert: string;
  webKey: string;
  webRoots: string;
}

type Side = "go" | "ts";
type Kind = "tls" | "mtls" | "mtls-web";

let nextPort = 56100;

function startServer(
  tools: InteropTools,
  world: World,
  side: Side,
  kind: Kind,
  options: { authorize?: string; maxTls?: string; addr: string },
): Proc {
  const args = [
    ...(side === "go"
      ? ["-mode", kind, "-addr", options.addr]
      : ["--mode", kind, "--addr", options.addr]),
  ];
  const flag = (name: string) => (side === "go" ? `-${name}` : `--${name}`);
  args.push(flag("socket"), `unix://${world.serverSocket}`);
  if (options.authorize) args.push(flag("authorize"), options.authorize);
  if (options.maxTls) args.push(flag("max-tls"), options.maxTls);
  if (kind === "mtls-web") {
    args.push(flag("web-cert"), world.webCert, flag("web-key"), world.webKey);
  }
  return side === "go"
    ? spawn("go-spiffe server", tools.peer("hello-server"), args)
    : spawn("spiffe-ts server", "deno", [...tsPeerArgs(["--role", "server", ...args])], {
      cwd: ROOT,
    });
}

function runClient(
  tools: InteropTools,
  world: World,
  side: Side,
  kind: Kind,
  options: { authorize?: string; maxTls?: string; addr: string; socket?: string; roots?: boolean },
) {
  const flag = (name: string) => (side === "go" ? `-${name}` : `--${name}`);
  const args = [flag("mode"), kind, flag("addr"), options.addr];
  args.push(flag("socket"), `unix://${options.socket ?? world.clientSocket}`);
  if (options.authorize) args.push(flag("authorize"), options.authorize);
  if (options.maxTls) args.push(flag("max-tls"), options.maxTls);
  if (kind === "mtls-web" && options.roots !== false) args.push(flag("roots"), world.webRoots);
  if (side === "go") args.push("-strict");
  return side === "go"
    ? run("go-spiffe client", tools.peer("hello-client"), args)
    : run("spiffe-ts client", "deno", tsPeerArgs(["--role", "client", ...args]), { cwd: ROOT });
}

/** One client run against a fresh server of the given sides and modes. */
async function pair(
  tools: InteropTools,
  world: World,
  server: { side: Side; kind: Kind; authorize?: string; maxTls?: string },
  client: { side: Side; kind: Kind; authorize?: string; maxTls?: string; roots?: boolean },
  shouldConnect: boolean,
): Promise<void> {
  const addr = `localhost:${nextPort++}`;
  await using running = startServer(tools, world, server.side, server.kind, { ...server, addr });
  await running.waitFor(/Server listening on/);
  const result = await runClient(tools, world, client.side, client.kind, { ...client, addr });
  const answer = answered(result.lines);
  if (shouldConnect) {
    expect(
      answer && result.code === 0,
      `expected an answer, got ${JSON.stringify(result.lines)}`,
    );
    await running.waitFor(/Client says: "Hello server(\\n)?"/);
  } else {
    expect(
      !answer && result.code !== 0,
      `expected a refusal, got ${JSON.stringify(result.lines)}`,
    );
  }
}

async function makeWorld(): Promise<World & AsyncDisposable> {
  const dir = await mkdtemp(join(tmpdir(), "spiffe-ts-interop-"));
  const web = await TestCa.root("web.test", { uris: [] });
  const leaf = await web.issue({ commonName: "localhost", dnsNames: ["localhost"] });
  const world = {
    dir,
    serverSocket: join(dir, "server.sock"),
    clientSocket: join(dir, "client.sock"),
    webCert: join(dir, "web.pem"),
    webKey: join(dir, "web.key"),
    webRoots: join(dir, "web-roots.pem"),
  };
  await writeFile(world.webCert, leaf.pem);
  await writeFile(world.webKey, leaf.keyPem);
  await writeFile(world.webRoots, web.cert.pem);
  return { ...world, [Symbol.asyncDispose]: () => rm(dir, { recursive: true, force: true }) };
}

const onDevagent: CheckGroup = {
  name: "go-spiffe on the devagent",
  async run(tools, report) {
    await using world = await makeWorld();
    const agent = await startDevAgent({
      sockets: [
        { path: world.serverSocket, spiffeId: SERVER_ID },
        { path: world.clientSocket, spiffeId: CLIENT_ID },
      ],
      federatesWith: ["other.org"],
      svidTtl: 8000,
    });
    try {
      await report(
        "go-spiffe hello client -> our hello server, and the refusal",
        (async () => {
          await using server = spawn(
            "our hello server",
            "deno",
            exampleArgs("server", world.serverSocket),
            {
              cwd: ROOT,
            },
          );
          await server.waitFor(/Server listening on localhost:55555/);
          const good = await run("go client", tools.peer("hello-client"), [
            "-addr",
            SEED_PORT,
            "-socket",
            `unix://${world.clientSocket}`,
          ]);
          expect(
            good.code === 0 && answered(good.lines),
            `go client: ${JSON.stringify(good.lines)}`,
          );
          await server.waitFor(/^Client says: "Hello server"$/);
          const wrong = await run("go client as the server", tools.peer("hello-client"), [
            "-addr",
            SEED_PORT,
            "-socket",
            `unix://${world.serverSocket}`,
          ]);
          expect(
            !answered(wrong.lines),
            `a refused go client got an answer: ${wrong.lines}`,
          );
          await server.waitFor(
            new RegExp(`^Error reading incoming data: unexpected ID "${SERVER_ID}"$`),
          );
        })(),
      );
      await report(
        "our hello client -> go-spiffe hello server, and the refusal",
        (async () => {
          await using server = spawn("go server", tools.peer("hello-server"), [
            "-addr",
            SEED_PORT,
            "-socket",
            `unix://${world.serverSocket}`,
          ]);
          await server.waitFor(/Server listening on/);
          const good = await run("our client", "deno", exampleArgs("client", world.clientSocket), {
            cwd: ROOT,
          });
          expect(
            good.code === 0 && answered(good.lines),
            `our client: ${JSON.stringify(good.lines)}`,
          );
          await server.waitFor(/Client says: "Hello server(\\n)?"/);
          const wrong = await run(
            "our client as the server",
            "deno",
            exampleArgs("client", world.serverSocket),
            {
              cwd: ROOT,
            },
          );
          expect(wrong.code === 1, `our refused client exited ${wrong.code}: ${wrong.lines}`);
          expect(
            wrong.lines.some((line) =>
              /^Unable to (read server response|create TLS connection): /.test(line)
            ),
            `our refused client said ${JSON.stringify(wrong.lines)}`,
          );
          await server.waitFor(
            new RegExp(`Error reading incoming data: .*unexpected ID "${SERVER_ID}"`),
          );
        })(),
      );

      const kinds: Kind[] = ["tls", "mtls", "mtls-web"];
      for (const [serverSide, clientSide] of [["go", "ts"], ["ts", "go"]] as [Side, Side][]) {
        for (const kind of kinds) {
          for (const maxTls of ["1.2", "1.3"]) {
            await report(
              `${kind} TLS ${maxTls}: ${clientSide === "go" ? "go-spiffe" : "our"} client -> ${
                serverSide === "go" ? "go-spiffe" : "our"
              } server connects`,
              pair(tools, world, { side: serverSide, kind, maxTls }, {
                side: clientSide,
                kind,
                maxTls,
              }, true),
            );
          }
        }
        const who = `${clientSide === "go" ? "go-spiffe" : "our"} client -> ${
          serverSide === "go" ? "go-spiffe" : "our"
        } server`;
        const mismatches: [string, Parameters<typeof pair>[2], Parameters<typeof pair>[3]][] = [
          ["the client expects another server ID", { side: serverSide, kind: "mtls" }, {
            side: clientSide,
            kind: "mtls",
            authorize: "spiffe://example.org/other",
          }],
          ["the server expects another client ID", {
            side: serverSide,
            kind: "mtls",
            authorize: "spiffe://example.org/other",
          }, { side: clientSide, kind: "mtls" }],
          ["an mtls server and a tls client (no client SVID)", { side: serverSide, kind: "mtls" }, {
            side: clientSide,
            kind: "tls",
          }],
          ["an mtls-web client without the web roots", { side: serverSide, kind: "mtls-web" }, {
            side: clientSide,
            kind: "mtls-web",
            roots: false,
          }],
          ["a tls client expecting a member of another trust domain", {
            side: serverSide,
            kind: "tls",
          }, {
            side: clientSide,
            kind: "tls",
            authorize: "member:other.org",
          }],
        ];
        for (const [what, server, client] of mismatches) {
          for (const maxTls of ["1.2", "1.3"]) {
            await report(
              `refused, TLS ${maxTls}, ${who}: ${what}`,
              pair(tools, world, { ...server, maxTls }, { ...client, maxTls }, false),
            );
          }
        }
      }

      await report(
        "go-spiffe workloadapi client against the devagent (all RPCs, rotation, header, federation)",
        (async () => {
          const result = await run(
            "workload-checker",
            tools.peer("workload-checker"),
            [
              "-socket",
              `unix://${world.clientSocket}`,
              "-expect-id",
              CLIENT_ID,
              "-rotations",
              "2",
              "-header-check",
              "-federated",
              "other.org",
              "-timeout",
              "30s",
            ],
            {},
            60_000,
          );
          const failures = result.lines.filter((line) => line.startsWith("FAIL"));
          expect(
            result.code === 0 && failures.length === 0,
            `workload-checker: ${JSON.stringify(failures.length > 0 ? failures : result.lines)}`,
          );
          expect(
            result.lines.filter((line) => line.startsWith("ok ")).length >= 10,
            `too few checks ran: ${result.lines}`,
          );
        })(),
      );
    } finally {
      await agent.close();
    }
  },
};

export const goSpiffeGroups: CheckGroup[] = [onDevagent];
