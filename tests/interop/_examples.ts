// How the interop checks run our hello examples: exactly the permission flags of their
// deno.json tasks, with only the Workload API socket path swapped.
import denoJson from "../../deno.json" with { type: "json" };

/** The repository root. */
export const ROOT = new URL("../../", import.meta.url).pathname;
/** The socket the `server` and `client` tasks name. */
const TASK_SOCKET = "/tmp/agent.sock";

/** `deno run` arguments of the `server` or `client` example on `socketPath`. */
export function exampleArgs(task: "server" | "client", socketPath: string): string[] {
  const flags = denoJson.tasks[task].trim().split(/\s+/)
    .filter((word) => word.startsWith("--allow-"))
    .map((flag) => flag.replaceAll(TASK_SOCKET, socketPath));
  return ["run", ...flags, `examples/spiffe-tls/${task}.ts`, "--socket", `unix://${socketPath}`];
}

/** `deno run` arguments of our mode-matrix peer (tests/interop/_ts_peer.ts). */
export function tsPeerArgs(args: string[]): string[] {
  return ["run", "-A", `${ROOT}tests/interop/_ts_peer.ts`, ...args];
}
