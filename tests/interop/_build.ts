// Builds the interop suite's Go programs into a cache outside the repository:
//   $XDG_CACHE_HOME/spiffe-ts/interop/spire-<tools/go.sum hash>/  spire-server, spire-agent
//   $XDG_CACHE_HOME/spiffe-ts/interop/peers-<hash>/               our go-spiffe peers
// SPIRE (the slow part, minutes on 2 cores) comes from the tools module (tools/go.mod, see
// tools/README.md for why it is a module of its own) and is rebuilt only when its go.sum
// changes; the peers when go.sum or their sources change.
import { encodeHex } from "./_hex.ts";
import type { InteropTools } from "./_check.ts";

const HERE = new URL(".", import.meta.url).pathname;
const PEERS = ["hello-server", "hello-client", "workload-checker", "spiffe-bench"] as const;

async function sha256(parts: Uint8Array[]): Promise<string> {
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const all = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    all.set(part, offset);
    offset += part.length;
  }
  return encodeHex(new Uint8Array(await crypto.subtle.digest("SHA-256", all))).slice(0, 16);
}

async function peerSources(): Promise<Uint8Array[]> {
  const files: string[] = [];
  const walk = async (dir: string) => {
    for await (const entry of Deno.readDir(dir)) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory) await walk(path);
      else if (entry.name.endsWith(".go")) files.push(path);
    }
  };
  await walk(`${HERE}cmd`);
  files.sort();
  return await Promise.all(
    files.map(async (file) =>
      new TextEncoder().encode(`${file.slice(HERE.length)}\n${await Deno.readTextFile(file)}`)
    ),
  );
}

function cacheRoot(): string {
  const base = Deno.env.get("XDG_CACHE_HOME") ?? `${Deno.env.get("HOME") ?? "/tmp"}/.cache`;
  return `${base}/spiffe-ts/interop`;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

async function goBuild(moduleDir: string, outDir: string, packages: string[]): Promise<void> {
  await Deno.mkdir(outDir, { recursive: true });
  const started = performance.now();
  console.log(`# go build ${packages.join(" ")} -> ${outDir}`);
  const { code } = await new Deno.Command("go", {
    args: ["build", "-o", `${outDir}/`, ...packages],
    cwd: moduleDir,
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (code !== 0) throw new Error(`go build failed (exit ${code})`);
  console.log(`# built in ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

/**
 * Builds what is missing and returns where every tool is; SPIRE only when `spire` (the
 * go-spiffe peers alone build in seconds).
 */
export async function buildTools({ spire = true } = {}): Promise<InteropTools> {
  const read = (path: string) => Deno.readFile(`${HERE}${path}`);
  const toolsHash = await sha256([await read("tools/go.mod"), await read("tools/go.sum")]);
  const peersHash = await sha256([
    await read("go.mod"),
    await read("go.sum"),
    ...await peerSources(),
  ]);
  const spireDir = `${cacheRoot()}/spire-${toolsHash}`;
  const peersDir = `${cacheRoot()}/peers-${peersHash}`;
  const spireServer = `${spireDir}/spire-server`;
  const spireAgent = `${spireDir}/spire-agent`;
  if (spire && (!(await exists(spireServer)) || !(await exists(spireAgent)))) {
    await goBuild(`${HERE}tools`, spireDir, [
      "github.com/spiffe/spire/cmd/spire-server",
      "github.com/spiffe/spire/cmd/spire-agent",
    ]);
  }
  if (!(await Promise.all(PEERS.map((peer) => exists(`${peersDir}/${peer}`)))).every(Boolean)) {
    await goBuild(HERE, peersDir, PEERS.map((peer) => `./cmd/${peer}`));
  }
  return { spireServer, spireAgent, peer: (name) => `${peersDir}/${name}` };
}

if (import.meta.main) {
  const tools = await buildTools();
  console.log(JSON.stringify({ ...tools, peers: tools.peer("hello-server") }));
}
