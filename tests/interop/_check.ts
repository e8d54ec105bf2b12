// What an interop check is, and what the runner hands it.

/** Where the Go-built tools of the interop suite are. */
export interface InteropTools {
  /** SPIRE's server and agent binaries. */
  spireServer: string;
  spireAgent: string;
  /** Our go-spiffe peer programs (tests/interop/cmd/*), by command name. */
  peer(name: "hello-server" | "hello-client" | "workload-checker" | "spiffe-bench"): string;
}

/** One named check: it throws (an Error with a clear message) when it fails. */
export interface Check {
  name: string;
  run(tools: InteropTools): Promise<void>;
}

/** A group of checks that share a setup (a SPIRE deployment, a devagent...). */
export interface CheckGroup {
  name: string;
  /** Runs the group's checks, reporting each through `report`; must release its setup. */
  run(
    tools: InteropTools,
    report: (name: string, outcome: Promise<void>) => Promise<void>,
  ): Promise<void>;
}
