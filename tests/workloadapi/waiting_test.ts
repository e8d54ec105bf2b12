// Waiting is visible: a source that waits for its first update, a source whose updates
// stop, a fetch or a watch with no answer, and a listener whose source waits, each warn
// through the logger after `waitWarning.after` and then every `waitWarning.every`,
// naming the address, where it came from, and the last error. The default logger
// writes the warning to stderr; nullLogger silences it.
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  authorizeAny,
  listenWithMode,
  mtlsServerWithSourceOptions,
  WorkloadApiClient,
  WorkloadApiError,
  X509Source,
} from "../../mod.ts";
import { type DevAgent, startDevAgent } from "../../src/devagent/mod.ts";
import { assertRejectsSpiffe } from "../_helpers/assert.ts";
import {
  agentWith,
  delay,
  FAST_BACKOFF,
  recordingLogger,
  SERVER_ID,
  silentEndpoint,
  tempDir,
} from "../_helpers/agent.ts";

/** Short delays, so that a test sees the first warning and the next one quickly. */
const FAST_WARNING = { after: 100, every: 400 };
const ENV = "SPIFFE_ENDPOINT_SOCKET";

/** The milliseconds a warning says it has waited ("after 123 ms" / "after 1.2 s"). */
function waited(line: string): number {
  const match = / (?:after|for) (\d+(?:\.\d+)?) (ms|s)\b/.exec(line);
  assert.ok(match, `no duration in ${line}`);
  return Number(match[1]) * (match[2] === "s" ? 1000 : 1);
}

/** `line` with its duration replaced by `<t>`, for exact comparison. */
function shape(line: string): string {
  return line.replace(/ (after|for) \d+(?:\.\d+)? (?:ms|s)\b/, " $1 <t>");
}

Deno.test("X509Source.create with no agent warns what it waits for, then rarely, then stops once ready", async () => {
  await using temp = await tempDir();
  const path = join(temp.dir, "agent.sock");
  const address = `unix://${path}`;
  const logger = recordingLogger();
  const isWaiting = (line: string) => line.startsWith("warn: x509source: still waiting");
  const first = logger.lines.next("the first warning", isWaiting);
  const creating = X509Source.create({
    address,
    backoff: FAST_BACKOFF,
    logger,
    waitWarning: FAST_WARNING,
  });
  let agent: DevAgent | undefined;
  try {
    const line = await first;
    assert.equal(
      shape(line),
      `warn: x509source: still waiting for the first update from the Workload API at ${address} ` +
        "(from the address option) after <t>; last error: UNAVAILABLE: No connection " +
        `established. Last error: connect ENOENT ${path}`,
    );
    assert.ok(waited(line) >= FAST_WARNING.after, line);
    // The next one comes a whole `every` later, not with every retry.
    const second = await logger.lines.next("the second warning", isWaiting);
    assert.ok(waited(second) >= FAST_WARNING.after + FAST_WARNING.every, second);
    const retries = logger.lines.values.filter((l) => l.includes("retrying")).length;
    assert.ok(retries > 2, `only ${retries} retries`);
    assert.equal(logger.lines.values.filter(isWaiting).length, 2);

    agent = await startDevAgent({ sockets: [{ path, spiffeId: SERVER_ID }] });
    const source = await creating;
    await source.close();
    const count = logger.lines.values.filter(isWaiting).length;
    await delay(FAST_WARNING.every + 100);
    assert.equal(logger.lines.values.filter(isWaiting).length, count);
  } finally {
    await creating.then((source) => source.close(), () => {});
    await agent?.close();
  }
});

Deno.test("a source waiting on an identity names SPIFFE_ENDPOINT_SOCKET and the PermissionDenied", async () => {
  await using agent = await agentWith([null]);
  const saved = Deno.env.get(ENV);
  Deno.env.set(ENV, agent.addresses[0]);
  try {
    const logger = recordingLogger();
    const warning = logger.lines.next("the warning", (l) => l.startsWith("warn: "));
    const creating = X509Source.create({
      backoff: FAST_BACKOFF,
      logger,
      waitWarning: FAST_WARNING,
      signal: AbortSignal.timeout(1000),
    });
    creating.catch(() => {});
    assert.equal(
      shape(await warning),
      "warn: x509source: still waiting for the first update from the Workload API at " +
        `${agent.addresses[0]} (from SPIFFE_ENDPOINT_SOCKET) after <t>; last error: ` +
        "PERMISSION_DENIED: no identity issued",
    );
    // The signal still bounds the wait, and the error names the address too.
    await assertRejectsSpiffe(
      creating,
      WorkloadApiError,
      "ERR_WORKLOAD_API",
      `x509source: no update from the Workload API at ${agent.addresses[0]} (from ` +
        "SPIFFE_ENDPOINT_SOCKET) before the signal aborted; last watch error: PERMISSION_DENIED: " +
        "no identity issued",
    );
  } finally {
    if (saved === undefined) Deno.env.delete(ENV);
    else Deno.env.set(ENV, saved);
  }
});

Deno.test("a ready source whose agent goes away warns that it serves the last update", async () => {
  await using temp = await tempDir();
  const path = join(temp.dir, "agent.sock");
  const address = `unix://${path}`;
  let agent = await startDevAgent({ sockets: [{ path, spiffeId: SERVER_ID }] });
  const logger = recordingLogger();
  const source = await X509Source.create({
    address,
    backoff: FAST_BACKOFF,
    logger,
    waitWarning: FAST_WARNING,
  });
  try {
    const isOutage = (line: string) => line.startsWith("warn: x509source: no new update");
    const outage = logger.lines.next("the outage warning", isOutage);
    await agent.close();
    const line = await outage;
    assert.match(
      shape(line),
      new RegExp(
        `^warn: x509source: no new update from the Workload API at ${address} \\(from the ` +
          "address option\\) for <t>, serving the last one; last error: ",
      ),
    );
    // Back again: the warnings stop.
    const updated = new Promise<void>((resolve) => source.onUpdate(() => resolve()));
    agent = await startDevAgent({ sockets: [{ path, spiffeId: SERVER_ID }] });
    await updated;
    const count = logger.lines.values.filter(isOutage).length;
    await delay(FAST_WARNING.every + 100);
    assert.equal(logger.lines.values.filter(isOutage).length, count);
  } finally {
    await source.close();
    await agent.close();
  }
});

Deno.test("a fetch and a watch the agent does not answer warn, naming the call and the address", async () => {
  await using temp = await tempDir();
  const silent = await silentEndpoint(temp.dir);
  const logger = recordingLogger();
  const client = new WorkloadApiClient({
    address: silent.address,
    logger,
    waitWarning: FAST_WARNING,
  });
  const stop = new AbortController();
  try {
    const fetchWarning = logger.lines.next("the fetch warning", (l) => l.includes("no answer to"));
    const fetching = client.fetchJwtBundles({ signal: stop.signal });
    fetching.catch(() => {});
    assert.equal(
      shape(await fetchWarning),
      "warn: workloadapi: no answer to FetchJWTBundles from the Workload API at " +
        `${silent.address} (from the address option) after <t>; the call waits until its ` +
        "signal aborts",
    );
    const watchWarning = logger.lines.next("the watch warning", (l) => l.includes("watch:"));
    const watching = client.watchX509Context({
      onX509ContextUpdate: () => {},
      onX509ContextWatchError: () => {},
    }, stop.signal);
    assert.equal(
      shape(await watchWarning),
      "warn: workloadapi: X.509 context watch: no update from the Workload API at " +
        `${silent.address} (from the address option) after <t>; last error: none (the agent ` +
        "has not answered)",
    );
    stop.abort();
    await watching;
    await assertRejectsSpiffe(fetching, WorkloadApiError, "ERR_WORKLOAD_API", /^CANCELLED: /);
  } finally {
    stop.abort();
    await client.close();
    await silent.close();
  }
});

Deno.test("listenWithMode on a source with no agent warns what it waits for", async () => {
  await using temp = await tempDir();
  const address = `unix://${join(temp.dir, "agent.sock")}`;
  const logger = recordingLogger();
  const warning = logger.lines.next("the warning", (l) => l.startsWith("warn: x509source: "));
  const stop = new AbortController();
  const listening = listenWithMode(
    { path: join(temp.dir, "server.sock") },
    mtlsServerWithSourceOptions(authorizeAny(), {
      address,
      backoff: FAST_BACKOFF,
      logger,
      waitWarning: FAST_WARNING,
    }),
    { signal: stop.signal },
  );
  listening.catch(() => {});
  assert.match(
    await warning,
    new RegExp(
      `^warn: x509source: still waiting for the first update from the Workload API at ${address} `,
    ),
  );
  stop.abort();
  await assertRejectsSpiffe(
    listening,
    WorkloadApiError,
    "ERR_WORKLOAD_API",
    new RegExp(
      `^x509source: no update from the Workload API at ${address} .*before the signal aborted`,
    ),
  );
});

const WORKLOAD = fileURLToPath(new URL("./_waiting_workload.ts", import.meta.url));

async function runWorkload(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-write", "--allow-env", "--allow-net", WORKLOAD, ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(20_000),
  }).output();
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes).trim();
  return { stdout: text(output.stdout), stderr: text(output.stderr) };
}

Deno.test("by default the warning goes to stderr; nullLogger silences it", async () => {
  await using temp = await tempDir();
  const path = join(temp.dir, "agent.sock");
  const address = `unix://${path}`;
  const loud = await runWorkload(address);
  assert.equal(
    shape(loud.stderr),
    `x509source: still waiting for the first update from the Workload API at ${address} (from ` +
      "the address option) after <t>; last error: UNAVAILABLE: No connection established. " +
      `Last error: connect ENOENT ${path}`,
  );
  assert.match(loud.stdout, /^WorkloadApiError: x509source: no update from the Workload API at /);
  const silent = await runWorkload(address, "--silent");
  assert.equal(silent.stderr, "");
  assert.match(silent.stdout, /^WorkloadApiError: x509source: no update from the Workload API at /);
});

Deno.test("waitWarning delays must be positive", () => {
  for (const waitWarning of [{ after: 0 }, { every: -1 }, { after: Number.NaN }]) {
    assert.throws(() => new WorkloadApiClient({ address: "unix:///x.sock", waitWarning }), {
      name: "RangeError",
    });
  }
});
