// The oldest runtimes the TLS layer is known to work on, checked once, at the first listen
// or dial (cheap: a version string). Deno before 2.9 lacks `node:tls` fixes that the server
// side of mutual TLS needs; Node 20 is the oldest release line that is tested (and still
// maintained). Older runtimes are refused with a clear error rather than half working.
import process from "node:process";

/** Minimum [major, minor] per runtime. */
const MINIMUM = { deno: [2, 9], node: [20, 0] } as const;

let checked = false;

/** Whether `version` ("2.8.3") is older than `minimum` ([2, 9]). */
export function older(version: string, minimum: readonly [number, number]): boolean {
  const [major, minor] = version.split(".").map(Number);
  return major < minimum[0] || (major === minimum[0] && minor < minimum[1]);
}

/** Throws a clear error on a runtime older than the minimum; a no-op after the first call. */
export function assertSupportedRuntime(): void {
  if (checked) return;
  const deno = (globalThis as { Deno?: { version: { deno: string } } }).Deno?.version.deno;
  const [name, version] = deno !== undefined
    ? ["deno", deno] as const
    : ["node", process.versions.node] as const;
  if (older(version, MINIMUM[name])) {
    throw new Error(
      `spiffe-ts needs ${name === "deno" ? "Deno" : "Node"} ${MINIMUM[name].join(".")} or later ` +
        `for mutual TLS; this is ${version}`,
    );
  }
  checked = true;
}
