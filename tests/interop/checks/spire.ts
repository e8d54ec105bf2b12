// The seed scenario on a real SPIRE server and agent (examples/spiffe-tls/README.md, "Run
// it on SPIRE"): our hello server and client (Deno, then the Node build) and go-spiffe's
// as the unix users server-workload and client-workload, the refusals, X509-SVID
// rotation, an agent restart, JWT-SVIDs, and go-spiffe's workload checker. One SPIRE
// deployment (tests/interop/spire/_deployment.ts) serves every check; port 55555 is
// fixed, so one hello server runs at a time.
import type { CheckGroup, InteropTools } from "../_check.ts";
import denoJson from "../../../deno.json" with { type: "json" };
import {
  AGENT_SOCKET,
  CLIENT_ID,
  CLIENT_USER,
  closeDeployments,
  ROOT,
  SERVER_ID,
  SERVER_USER,
  SpireDeployment,
  type WorkloadUser,
} from "../spire/_deployment.ts";
import { killAll, type Line, poll, type Proc, run, type RunResult, spawn } from "../_process.ts";

const HELLO = 'Server says: "Hello client"';
const CLIENT_SAID = 'Client says: "Hello server"';
const REFUSED = `Error reading incoming data: unexpected ID "${SERVER_ID}"`;
const SOCKET_URI = `unix://${AGENT_SOCKET}`;
/** The shortest X509-SVID TTL used for rotation; see rotation() for why 10 s. */
const ROTATION_TTL = 10;
const ROTATIONS = 3;
/** How long the server may keep presenting the previous SVID after the agent pushed a new one. */
const PICKUP_MS = 2500;
const NPM = `${ROOT}npm`;
const NODE_EXAMPLES = `${NPM}/esm/examples/spiffe-tls`;

/** The `--allow-*` flags of a deno.json task, exactly. */
function taskFlags(task: "server" | "client"): string[] {
  return denoJson.tasks[task].trim().split(/\s+/).filter((word) => word.startsWith("--allow-"));
}

function fail(message: string): never {
  throw new Error(message);
}

function expectLines(what: string, result: RunResult, want: Partial<RunResult>): void {
  for (const key of ["code", "stdout", "stderr"] as const) {
    if (want[key] === undefined) continue;
    if (JSON.stringify(result[key]) !== JSON.stringify(want[key])) {
      fail(
        `${what}: ${key} ${JSON.stringify(result[key])}, want ${JSON.stringify(want[key])}` +
          (key === "code" ? ` (output ${JSON.stringify(result.lines.slice(-4))})` : ""),
      );
    }
  }
}

/** Waits until nothing listens on localhost:55555 (another check or test may hold it). */
async function portFree(ms = 15_000): Promise<void> {
  await poll(
    "free port 55555",
    () => {
      try {
        Deno.listen({ hostname: "127.0.0.1", port: 55555 }).close();
        return Promise.resolve(true);
      } catch {
        throw new Error("localhost:55555 is in use");
      }
    },
    ms,
    250,
  );
}

class Scenario {
  constructor(readonly spire: SpireDeployment, readonly tools: InteropTools) {}

  #user(user: WorkloadUser, cwd = ROOT) {
    return { user, env: this.spire.userEnv(user), cwd };
  }

  // Our Deno examples, with the exact permission flags of `deno task server` / `client`.
  async denoServer(user: WorkloadUser = SERVER_USER): Promise<Proc> {
    await portFree();
    const server = spawn("deno server", "deno", [
      "run",
      ...taskFlags("server"),
      "examples/spiffe-tls/server.ts",
    ], this.#user(user));
    await this.#listening(server);
    return server;
  }

  denoClient(user: WorkloadUser): Promise<RunResult> {
    return run(
      "deno client",
      "deno",
      [
        "run",
        ...taskFlags("client"),
        "examples/spiffe-tls/client.ts",
      ],
      this.#user(user),
      20_000,
    );
  }

  /** Our probe clients and watcher (tests/interop/spire/_*.ts), with the client task's flags. */
  denoScript(name: string, user: WorkloadUser, args: string[] = [], stdin = false): Proc {
    return spawn(name, "deno", [
      "run",
      ...taskFlags("client"),
      `tests/interop/spire/${name}`,
      ...args,
    ], { ...this.#user(user), stdin });
  }

  // The Node build: plain `node` on the compiled examples, from npm/.
  async nodeServer(): Promise<Proc> {
    await portFree();
    const server = spawn("node server", "node", [`${NODE_EXAMPLES}/server.js`], {
      ...this.#user(SERVER_USER, NPM),
    });
    await this.#listening(server);
    return server;
  }

  nodeClient(user: WorkloadUser): Promise<RunResult> {
    return run("node client", "node", [`${NODE_EXAMPLES}/client.js`], this.#user(user, NPM));
  }

  // go-spiffe's hello peers.
  async goServer(): Promise<Proc> {
    await portFree();
    const server = spawn("go hello-server", this.spire.bin("hello-server"), [
      "-addr",
      "localhost:55555",
      "-socket",
      SOCKET_URI,
      "-authorize",
      CLIENT_ID,
    ], this.#user(SERVER_USER));
    await this.#listening(server);
    return server;
  }

  goClient(user: WorkloadUser): Promise<RunResult> {
    return run("go hello-client", this.spire.bin("hello-client"), [
      "-addr",
      "localhost:55555",
      "-socket",
      SOCKET_URI,
      "-authorize",
      SERVER_ID,
    ], this.#user(user));
  }

  async #listening(server: Proc): Promise<void> {
    try {
      await server.waitFor(/^Server listening on /, 20_000);
    } catch (err) {
      await server.stop();
      throw new Error(`${(err as Error).message}; SPIRE: ${this.spire.logs()}`);
    }
  }
}

/** Runs `body` with a server, then stops it (and reports its exit code if it crashed). */
async function withServer<T>(start: Promise<Proc>, body: (server: Proc) => Promise<T>): Promise<T> {
  const server = await start;
  try {
    const result = await body(server);
    if (server.exited) fail(`${server.name} exited during the check: ${server.tail()}`);
    return result;
  } finally {
    await server.stop();
  }
}

// 1-2. Our Deno server and client.
function denoHello(s: Scenario, server: Proc): Promise<void> {
  return (async () => {
    const from = server.lines.length;
    const client = await s.denoClient(CLIENT_USER);
    expectLines("deno client", client, { code: 0, stdout: [HELLO], stderr: [] });
    await server.waitFor(CLIENT_SAID, 5_000, from);
  })();
}

function denoRefused(s: Scenario, server: Proc): Promise<string> {
  return (async () => {
    const from = server.lines.length;
    const client = await s.denoClient(SERVER_USER);
    if (
      client.code !== 1 || client.stdout.length !== 0 || client.stderr.length !== 1 ||
      !client.stderr[0].startsWith("Unable to read server response: ")
    ) {
      fail(`deno client as ${SERVER_USER}: exit ${client.code}, ${JSON.stringify(client.lines)}`);
    }
    await server.waitFor(REFUSED, 5_000, from);
    return `client: ${client.stderr[0]}`;
  })();
}

// 3. The Node build.
async function prepareNpm(log: (line: string) => void): Promise<void> {
  const started = Date.now();
  const built = async (path: string) => {
    try {
      await Deno.stat(path);
      return true;
    } catch {
      return false;
    }
  };
  if (
    !(await built(`${NODE_EXAMPLES}/server.js`)) || !(await built(`${NODE_EXAMPLES}/client.js`))
  ) {
    const build = await run(
      "deno task build:npm",
      "deno",
      ["task", "build:npm"],
      { cwd: ROOT },
      180_000,
    );
    if (build.code !== 0) fail(`deno task build:npm: ${JSON.stringify(build.lines.slice(-6))}`);
  }
  if (!(await built(`${NPM}/node_modules`))) {
    const install = await run(
      "npm install",
      "npm",
      [
        "install",
        "--no-audit",
        "--no-fund",
        "--loglevel=error",
      ],
      { cwd: NPM },
      180_000,
    );
    if (install.code !== 0) fail(`npm install: ${JSON.stringify(install.lines.slice(-6))}`);
  }
  // A build older than the sources tests old code: say so (rebuilding would race with
  // other users of npm/).
  const newest = async (dir: string): Promise<number> => {
    let max = 0;
    for await (const entry of Deno.readDir(dir)) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory) max = Math.max(max, await newest(path));
      else if (entry.name.endsWith(".ts")) {
        max = Math.max(max, (await Deno.stat(path)).mtime!.getTime());
      }
    }
    return max;
  };
  const source = Math.max(await newest(`${ROOT}src`), await newest(`${ROOT}examples`));
  const output = (await Deno.stat(`${NPM}/esm/mod.js`)).mtime!.getTime();
  if (output < source) {
    log("# note: npm/ is older than src/ or examples/ (run deno task build:npm)");
  }
  if (Date.now() - started > 1000) log(`# npm build ready (${Date.now() - started} ms)`);
}

function nodeHello(s: Scenario, npmReady: Promise<void>): Promise<string> {
  return (async () => {
    await npmReady;
    return await withServer(s.nodeServer(), async (server) => {
      const client = await s.nodeClient(CLIENT_USER);
      expectLines("node client", client, { code: 0, stdout: [HELLO], stderr: [] });
      await server.waitFor(CLIENT_SAID, 5_000);
      const from = server.lines.length;
      const refused = await s.nodeClient(SERVER_USER);
      if (
        refused.code !== 1 ||
        !refused.stderr.some((l) => l.startsWith("Unable to read server response: "))
      ) {
        fail(
          `node client as ${SERVER_USER}: exit ${refused.code}, ${JSON.stringify(refused.lines)}`,
        );
      }
      await server.waitFor(REFUSED, 5_000, from);
      return `refused client: ${refused.stderr.join(" | ")}`;
    });
  })();
}

// 4. go-spiffe's peers against ours.
const GO_HELLO = /^Server says: "Hello client(\\n)?"$/;

function goClientToDeno(s: Scenario, server: Proc, user: WorkloadUser): Promise<string> {
  return (async () => {
    const from = server.lines.length;
    const client = await s.goClient(user);
    const hello = client.stdout.some((line) => GO_HELLO.test(line));
    if (user === CLIENT_USER) {
      if (client.code !== 0 || !hello) {
        fail(`go client: exit ${client.code}, ${JSON.stringify(client.lines)}`);
      }
      await server.waitFor(CLIENT_SAID, 5_000, from);
    } else {
      // go-spiffe's client may finish its TLS 1.3 side and print `Server says: ""`: the
      // reply is what matters.
      if (hello) fail(`go client as ${user} was served: ${JSON.stringify(client.lines)}`);
      await server.waitFor(REFUSED, 5_000, from);
    }
    return `go client (exit ${client.code}): ${client.lines.join(" | ")}`;
  })();
}

function denoClientToGo(s: Scenario, server: Proc, user: WorkloadUser): Promise<string> {
  return (async () => {
    const from = server.lines.length;
    const client = await s.denoClient(user);
    if (user === CLIENT_USER) {
      expectLines("deno client", client, { code: 0, stdout: [HELLO], stderr: [] });
      await server.waitFor(/^Client says: "Hello server(\\n)?"$/, 5_000, from);
    } else {
      if (client.code !== 1 || client.stdout.includes(HELLO)) {
        fail(`deno client as ${user}: exit ${client.code}, ${JSON.stringify(client.lines)}`);
      }
      const line = await server.waitFor(
        /unexpected ID "spiffe:\/\/example\.org\/server"/,
        5_000,
        from,
      );
      return `deno client: ${client.lines.join(" | ")}; go server: ${line}`;
    }
    return "";
  })();
}

// 5. Rotation.
interface Exchange {
  at: number;
  ok: boolean;
  serial: string;
  reply: string;
  line: string;
}

function exchanges(lines: Line[]): Exchange[] {
  return lines.filter((line) => line.stream === "stdout" && /^(ok|FAIL) /.test(line.text)).map(
    (line) => {
      const [status, at, serial, ...reply] = line.text.split(" ");
      return {
        at: Number(at),
        ok: status === "ok",
        serial: status === "ok" ? serial : "",
        reply: status === "ok" ? reply.join(" ") : "",
        line: line.text,
      };
    },
  );
}

interface Issued {
  at: number;
  serial: string;
  notAfter: number;
}

function issued(watcher: Proc): Issued[] {
  return watcher.lines.filter((line) => line.text.startsWith("svid ")).map((line) => {
    const [, at, serial, notAfter] = line.text.split(" ");
    return { at: Number(at), serial, notAfter: Date.parse(notAfter) };
  });
}

/**
 * The server entry gets a 10 s X509-SVID TTL. SPIRE back-dates every SVID by 10 s
 * (NotBeforeCushion), so its lifetime is 20 s, and the agent re-signs past half of it
 * (±10 % jitter) when it syncs (every 5 s by default): each sync rotates it. Shorter TTLs
 * are accepted (anything >= 1 s) but expire before the next sync.
 */
function rotation(s: Scenario): Promise<string> {
  return (async () => {
    const spire = s.spire;
    await using watcher = s.denoScript("_watch_svid.ts", SERVER_USER);
    await watcher.waitFor(/^svid /, 15_000);
    let shortened = false;
    try {
      return await withServer(s.denoServer(), async (server) => {
        const ttlSet = Date.now();
        await spire.updateEntry(spire.entries.server, SERVER_ID, SERVER_USER, [
          "-x509SVIDTTL",
          String(ROTATION_TTL),
        ]);
        shortened = true;
        const short = () =>
          issued(watcher).filter((svid) =>
            svid.at >= ttlSet &&
            svid.notAfter - svid.at <= (ROTATION_TTL + 2) * 1000
          );
        await watcher.until("a short-lived SVID", () => short().length > 0, 20_000);
        const first = short()[0];
        const propagated = first.at - ttlSet;
        await using client = s.denoScript("_dial.ts", CLIENT_USER, [
          "--count",
          "0",
          "--interval",
          "200",
        ]);
        await watcher.until(
          `${ROTATIONS} rotations`,
          () => short().length > ROTATIONS,
          (ROTATIONS + 2) * 10_000,
        );
        // Let the client see the last one.
        const last = short().at(-1)!;
        await client.until(
          "an exchange after the last rotation",
          () => exchanges(client.lines).some((e) => e.at > last.at + PICKUP_MS),
          10_000,
        );
        await client.stop();
        const seen = exchanges(client.lines);
        const failures = seen.filter((e) => !e.ok || e.reply !== '"Hello client"');
        if (failures.length > 0) {
          fail(
            `${failures.length}/${seen.length} failed exchanges: ${
              JSON.stringify(failures.slice(0, 3).map((e) => e.line))
            }`,
          );
        }
        const all = issued(watcher);
        const index = (serial: string) => all.findIndex((svid) => svid.serial === serial);
        // The rotations the client had time to see (a later one may land as it stops).
        const lastAt = seen.at(-1)?.at ?? 0;
        const rotations = short().filter((svid) =>
          svid.at > first.at && svid.at <= lastAt - PICKUP_MS
        );
        if (rotations.length < ROTATIONS) fail(`only ${rotations.length} rotations covered`);
        // After each rotation (+PICKUP_MS for the server's source and the client's dial), every
        // client sees that SVID or a newer one; never an older one.
        let served = -1;
        for (const e of seen) {
          const at = index(e.serial);
          if (at < 0) fail(`the server presented serial ${e.serial}, which the agent never issued`);
          if (at < served) fail(`the server went back to an older SVID (${e.serial}) at ${e.at}`);
          served = at;
          const due = all.findLastIndex((svid) => svid.at <= e.at - PICKUP_MS);
          if (at < due) {
            fail(
              `exchange at ${e.at} saw serial ${e.serial}, ${
                Math.round((e.at - all[due].at) / 1000)
              } s after ${all[due].serial} was issued`,
            );
          }
        }
        const distinct = new Set(
          seen.filter((e) => index(e.serial) >= index(first.serial)).map((e) => e.serial),
        );
        for (const svid of rotations) {
          if (!distinct.has(svid.serial)) fail(`no client saw the rotated SVID ${svid.serial}`);
        }
        if (server.text.some((line) => line.startsWith("Error"))) {
          fail(
            `server errors: ${JSON.stringify(server.text.filter((l) => l.startsWith("Error")))}`,
          );
        }
        const gaps = rotations.map((svid, i) => svid.at - (i === 0 ? first : rotations[i - 1]).at);
        return `entry update reached the agent in ${
          (propagated / 1000).toFixed(1)
        } s; ${rotations.length} rotations (every ${
          gaps.map((g) => (g / 1000).toFixed(1)).join("/")
        } s), ${seen.length} exchanges, ${distinct.size} server serials seen, 0 failures`;
      });
    } finally {
      if (shortened) {
        // Back to the default TTL; wait until the agent re-signs it so later checks have a
        // stable SVID.
        const reset = Date.now();
        await spire.updateEntry(spire.entries.server, SERVER_ID, SERVER_USER);
        await watcher.until(
          "a default-TTL SVID again",
          () =>
            issued(watcher).some((svid) => svid.at >= reset && svid.notAfter - svid.at > 600_000),
          20_000,
        ).catch(() => {});
      }
    }
  })();
}

// 6. Agent restart.
async function agentAnswers(): Promise<boolean> {
  try {
    (await Deno.connect({ transport: "unix", path: AGENT_SOCKET })).close();
    return true;
  } catch {
    return false;
  }
}

function agentRestart(s: Scenario): Promise<string> {
  return (async () => {
    const spire = s.spire;
    return await withServer(s.denoServer(), async (server) => {
      await using held = s.denoScript("_dial.ts", CLIENT_USER, ["--hold"], true);
      await held.waitFor(/^ready /, 15_000);
      const exchangeHeld = async () => {
        const from = held.lines.length;
        await held.writeLine("go");
        await held.until("an exchange", (lines) => exchanges(lines.slice(from)).length > 0, 10_000);
        return exchanges(held.lines.slice(from))[0];
      };
      const before = await exchangeHeld();
      if (!before.ok) fail(`before the restart: ${before.line}`);
      const stopped = Date.now();
      await spire.stopAgent();
      if (await agentAnswers()) fail(`${AGENT_SOCKET} still answers after the agent stopped`);
      // Down for 3 s: both sources retry (and back off) meanwhile.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const down = await exchangeHeld();
      if (!down.ok || down.serial !== before.serial) {
        fail(`with the agent down, the held client got: ${down.line} (before: ${before.line})`);
      }
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, stopped + 3000 - Date.now())));
      const agent = await spire.startAgent(); // from its data directory: no new join token
      const restarted = Date.now();
      const reused = agent.text.some((line) => line.includes('msg="SVID loaded"'));
      await spire.waitForSvid(CLIENT_USER, CLIENT_ID, 20_000);
      await using loop = s.denoScript("_dial.ts", CLIENT_USER, [
        "--count",
        "0",
        "--interval",
        "200",
      ]);
      await loop.until(
        "the server's new SVID",
        (lines) => exchanges(lines).some((e) => e.ok && e.serial !== before.serial),
        30_000,
      );
      const picked = Date.now();
      await loop.stop();
      const after = await exchangeHeld();
      const failures = [...exchanges(loop.lines), after].filter((e) => !e.ok);
      if (failures.length > 0) {
        fail(`failed exchanges after the restart: ${JSON.stringify(failures.map((e) => e.line))}`);
      }
      if (server.text.some((line) => line.startsWith("Error"))) {
        fail(`server errors: ${JSON.stringify(server.text.filter((l) => l.startsWith("Error")))}`);
      }
      return `served with the old SVID while the agent was down (${
        ((restarted - stopped) / 1000).toFixed(1)
      } s); agent ${
        reused ? "reloaded its SVID from data_dir" : "re-attested"
      }; the server's new serial reached clients ${
        ((picked - restarted) / 1000).toFixed(1)
      } s after the agent was healthy; ${exchanges(loop.lines).length} exchanges, 0 failures`;
    });
  })();
}

// 7. JWT-SVIDs.
function jwt(s: Scenario): Promise<string> {
  return (async () => {
    const probe = s.denoScript("_jwt.ts", CLIENT_USER);
    const status = await probe.exit(20_000);
    const steps = probe.stdout.filter((line) => /^(ok|FAIL) /.test(line));
    if (status.code !== 0 || steps.length < 8 || steps.some((line) => line.startsWith("FAIL"))) {
      fail(`_jwt.ts exit ${status.code}: ${JSON.stringify([...steps, ...probe.stderr.slice(-3)])}`);
    }
    const token = probe.stdout.find((line) => line.startsWith("token "))!.slice(6);
    // And SPIRE's own CLI, as the audience's workload.
    const validate = (audience: string) =>
      run("spire-agent api validate jwt", s.spire.bin("spire-agent"), [
        "api",
        "validate",
        "jwt",
        "-socketPath",
        AGENT_SOCKET,
        "-audience",
        audience,
        "-svid",
        token,
      ], { user: SERVER_USER, env: s.spire.userEnv(SERVER_USER) });
    const good = await validate(SERVER_ID);
    if (good.code !== 0 || !good.lines.some((line) => line.includes(CLIENT_ID))) {
      fail(`spire-agent api validate jwt: ${JSON.stringify(good.lines)}`);
    }
    const bad = await validate("spiffe://example.org/other");
    if (bad.code === 0) {
      fail(`spire-agent validated the wrong audience: ${JSON.stringify(bad.lines)}`);
    }
    return `${steps.length} steps ok (client, JwtSource, BundleSource); spire-agent api validate jwt: ok, and for the wrong audience exit ${bad.code}: ${
      bad.lines.join(" ").trim()
    }`;
  })();
}

// 8. go-spiffe's workload checker.
function workloadChecker(s: Scenario): Promise<string> {
  return (async () => {
    const result = await run(
      "workload-checker",
      s.spire.bin("workload-checker"),
      [
        "-socket",
        SOCKET_URI,
        "-expect-id",
        CLIENT_ID,
        "-audience",
        SERVER_ID,
        "-header-check",
      ],
      { user: CLIENT_USER, env: s.spire.userEnv(CLIENT_USER) },
      30_000,
    );
    const checks = result.stdout.filter((line) => /^(ok|FAIL) /.test(line));
    if (
      result.code !== 0 || checks.length === 0 || checks.some((line) => line.startsWith("FAIL"))
    ) {
      fail(`exit ${result.code}: ${JSON.stringify(result.lines)}`);
    }
    return `${checks.length} checks ok`;
  })();
}

type Report = (name: string, outcome: Promise<void>) => Promise<void>;

/** Starts a server and runs checks against it; when it does not start, they all fail. */
async function serverChecks(
  report: Report,
  start: () => Promise<Proc>,
  checks: Array<[string, (server: Proc) => Promise<string | void>]>,
  log: (line: string) => void,
): Promise<void> {
  let server: Proc;
  try {
    server = await start();
  } catch (err) {
    for (const [name] of checks) await report(name, Promise.reject(err));
    return;
  }
  try {
    for (const [name, check] of checks) {
      let detail: string | void = "";
      await report(
        name,
        check(server).then((text) => {
          if (server.exited) fail(`${server.name} exited: ${server.tail()}`);
          detail = text;
        }),
      );
      if (detail) log(`#   ${detail}`);
    }
  } finally {
    await server.stop();
  }
}

/** Reports a check whose promise resolves with a detail for the log. */
async function detailed(
  report: Report,
  log: (line: string) => void,
  name: string,
  outcome: Promise<string>,
): Promise<void> {
  let detail = "";
  await report(
    name,
    outcome.then((text) => {
      detail = text;
    }),
  );
  if (detail) log(`#   ${detail}`);
}

export const spireGroups: CheckGroup[] = [{
  name: "seed scenario on SPIRE",
  async run(tools, report) {
    const log = (line: string) => console.log(line);
    const npmReady = prepareNpm(log);
    npmReady.catch(() => {}); // reported by the Node check
    // Interrupted (Ctrl-C, or the runner killed with SIGTERM): stop SPIRE and every
    // workload process before exiting, as the normal end does.
    const interrupted = (signal: Deno.Signal) => async () => {
      console.log(`# ${signal}: stopping SPIRE and the workloads`);
      await closeDeployments();
      await killAll();
      Deno.exit(130);
    };
    const onInt = interrupted("SIGINT");
    const onTerm = interrupted("SIGTERM");
    Deno.addSignalListener("SIGINT", onInt);
    Deno.addSignalListener("SIGTERM", onTerm);
    try {
      await using spire = await SpireDeployment.start(tools, { log });
      await Promise.all([
        spire.waitForSvid(SERVER_USER, SERVER_ID),
        spire.waitForSvid(CLIENT_USER, CLIENT_ID),
      ]);
      const s = new Scenario(spire, tools);

      await serverChecks(report, () => s.denoServer(), [
        ["deno server + deno client (client-workload): hello exchanged", (sv) => denoHello(s, sv)],
        ["deno client as server-workload: refused, unexpected ID", (sv) => denoRefused(s, sv)],
      ], log);
      await detailed(
        report,
        log,
        "node server + node client (npm build): hello, and the refusal",
        nodeHello(s, npmReady),
      );
      await serverChecks(report, () => s.denoServer(), [
        [
          "go-spiffe client -> deno server: hello exchanged",
          (sv) => goClientToDeno(s, sv, CLIENT_USER),
        ],
        [
          "go-spiffe client as server-workload -> deno server: refused",
          (sv) => goClientToDeno(s, sv, SERVER_USER),
        ],
      ], log);
      await serverChecks(report, () => s.goServer(), [
        [
          "deno client -> go-spiffe server: hello exchanged",
          (sv) => denoClientToGo(s, sv, CLIENT_USER),
        ],
        [
          "deno client as server-workload -> go-spiffe server: refused",
          (sv) => denoClientToGo(s, sv, SERVER_USER),
        ],
      ], log);
      await detailed(
        report,
        log,
        `rotation: deno server across ${ROTATIONS} X509-SVID rotations (TTL ${ROTATION_TTL} s)`,
        rotation(s),
      );
      await detailed(
        report,
        log,
        "agent restart: deno server keeps serving, then takes the new agent's SVID",
        agentRestart(s),
      );
      await detailed(
        report,
        log,
        "JWT-SVIDs and sources: parseAndValidate, ValidateJWTSVID, JwtSource and BundleSource agree; wrong audience refused",
        jwt(s),
      );
      await detailed(
        report,
        log,
        "go-spiffe workload-checker as client-workload: all checks ok",
        workloadChecker(s),
      );
    } finally {
      Deno.removeSignalListener("SIGINT", onInt);
      Deno.removeSignalListener("SIGTERM", onTerm);
      await killAll();
    }
  },
}];
