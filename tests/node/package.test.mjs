// The npm package as a user installs it: `npm pack` the build, install the tarball into a
// fresh project, type-check a TypeScript consumer with tsc, and run the hello example's
// server and client with plain `node` against a devagent from the installed package.
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { after, before, test } from "node:test";

const run = promisify(execFile);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const NPM_DIR = join(ROOT, "npm");
/** What a TypeScript user of the package installs beside it (build-only tools of ours too). */
const TS_TOOLS = ["typescript@5.9.3", "@types/node@20.19.43"];
let project;

before(async () => {
  project = await mkdtemp(join(tmpdir(), "spiffe-ts-user-"));
  const { stdout } = await run("npm", ["pack", "--silent", "--pack-destination", project], {
    cwd: NPM_DIR,
  });
  const tarball = join(project, stdout.trim().split("\n").pop());
  await writeFile(join(project, "package.json"), '{ "name": "user", "type": "module" }\n');
  await run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", tarball], {
    cwd: project,
  });
  await run("npm", ["install", "-D", "--no-audit", "--no-fund", "--prefer-offline", ...TS_TOOLS], {
    cwd: project,
  });
});

/** The JavaScript blocks of the README's Node section (```js ignore: Deno skips them). */
async function readmeNodeBlocks() {
  const readme = await readFile(join(ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("\n## Node\n"), readme.indexOf("\n## Development\n"));
  return [...section.matchAll(/```js ignore\n([\s\S]*?)```/g)].map((match) => match[1]);
}

after(async () => {
  await rm(project, { recursive: true, force: true });
});

test("a TypeScript consumer type-checks against the installed package", async () => {
  await writeFile(
    join(project, "consumer.ts"),
    `import { authorizeId, dialWithMode, mtlsClientWithSourceOptions, SpiffeId, type X509Svid } from "spiffe-ts";
import { startDevAgent, type DevAgent } from "spiffe-ts/devagent";

const id: SpiffeId = SpiffeId.parse("spiffe://example.org/server");
const mode = mtlsClientWithSourceOptions(authorizeId(id), { address: "unix:///tmp/agent.sock" });
export async function main(): Promise<string> {
  const agent: DevAgent = await startDevAgent({ sockets: [{ path: "/tmp/x.sock", spiffeId: id }] });
  const socket = await dialWithMode({ hostname: "localhost", port: 55555 }, mode);
  await agent.close();
  const svid: X509Svid | undefined = undefined;
  return String(socket.remotePort) + String(svid);
}
// @ts-expect-error: the authorizer is required
mtlsClientWithSourceOptions();
`,
  );
  const blocks = await readmeNodeBlocks();
  assert.ok(blocks.length >= 1, "the README's Node section has its code blocks");
  const readmeFiles = [];
  for (const [index, block] of blocks.entries()) {
    readmeFiles.push(`readme_${index}.mjs`);
    await writeFile(join(project, readmeFiles.at(-1)), `${block}export {};\n`);
  }
  await writeFile(
    join(project, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        noEmit: true,
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        types: ["node"],
        lib: ["ES2023", "DOM", "ESNext.Disposable"],
        skipLibCheck: true,
        // The README's Node snippets are JavaScript: checked as written.
        allowJs: true,
        checkJs: true,
      },
      files: ["consumer.ts", ...readmeFiles],
    }),
  );
  const tsc = join(project, "node_modules", "typescript", "bin", "tsc");
  await run(process.execPath, [tsc, "-p", project], { cwd: project }).catch((err) => {
    throw new Error(`tsc: ${err.stdout}${err.stderr}`);
  });
});

test("require() loads the package and its devagent export (require(esm), Node >= 20.19)", async () => {
  const script = [
    'const { SpiffeId } = require("spiffe-ts");',
    'const { startDevAgent } = require("spiffe-ts/devagent");',
    'console.log(SpiffeId.parse("spiffe://example.org/a").path, typeof startDevAgent);',
  ].join("\n");
  const { stdout } = await run(process.execPath, ["-e", script], { cwd: project });
  assert.equal(stdout.trim(), "/a function");
});

/** Starts `node file args`, resolving once a stdout line matches `ready`. */
function start(file, args, ready) {
  const child = spawn(process.execPath, [file, ...args], { cwd: project });
  let output = "";
  const started = new Promise((resolve, reject) => {
    child.stdout.setEncoding("utf8").on("data", (chunk) => {
      output += chunk;
      if (ready.test(output)) resolve();
    });
    child.stderr.setEncoding("utf8").on("data", (chunk) => (output += chunk));
    child.once("exit", (code) => reject(new Error(`${file} exited ${code}: ${output}`)));
  });
  return { child, started, output: () => output };
}

test("the hello server and client run with plain node from the installed package", async () => {
  const examples = join(project, "node_modules", "spiffe-ts", "esm", "examples", "spiffe-tls");
  const agentScript = join(project, "agent.mjs");
  await writeFile(
    agentScript,
    `import { startDevAgent } from "spiffe-ts/devagent";
const [dir] = process.argv.slice(2);
const agent = await startDevAgent({ sockets: [
  { path: dir + "/server.sock", spiffeId: "spiffe://example.org/server" },
  { path: dir + "/client.sock", spiffeId: "spiffe://example.org/client" },
] });
console.log("agent ready");
process.on("SIGTERM", async () => { await agent.close(); process.exit(0); });
`,
  );
  const agent = start(agentScript, [project], /agent ready/);
  await agent.started;
  const server = start(
    join(examples, "server.js"),
    ["--socket", `unix://${project}/server.sock`],
    /Server listening/,
  );
  try {
    await server.started;
    const { stdout } = await run(
      process.execPath,
      [join(examples, "client.js"), "--socket", `unix://${project}/client.sock`],
      { cwd: project },
    );
    assert.equal(stdout.trim(), 'Server says: "Hello client"');
    const refused = await run(
      process.execPath,
      [join(examples, "client.js"), "--socket", `unix://${project}/server.sock`],
      { cwd: project },
    ).then(() => undefined, (err) => err);
    assert.equal(refused?.code, 1);
    assert.match(refused.stderr, /^Unable to read server response: /m);
  } finally {
    server.child.kill("SIGTERM");
    await new Promise((resolve) => server.child.once("exit", resolve));
    agent.child.kill("SIGTERM");
    await new Promise((resolve) => agent.child.once("exit", resolve));
  }
  assert.match(server.output(), /Client says: "Hello server"/);
  assert.match(
    server.output(),
    /Error reading incoming data: unexpected ID "spiffe:\/\/example\.org\/server"/,
  );
});
