// Run by waiting_test.ts: creates an X509Source on an address nobody serves, with the
// default logger (or nullLogger with `--silent`), and a short first warning. Whatever the
// library says goes to this process's stderr; the parent reads it.
//
// Usage: deno run --allow-read --allow-write --allow-env --allow-net _waiting_workload.ts <address> [--silent]
import { nullLogger, X509Source } from "../../mod.ts";

const [address, flag] = Deno.args;
try {
  await X509Source.create({
    address,
    logger: flag === "--silent" ? nullLogger : undefined,
    waitWarning: { after: 200, every: 60_000 },
    signal: AbortSignal.timeout(1000),
  });
  console.log("created");
} catch (err) {
  console.log(`${(err as Error).constructor.name}: ${(err as Error).message}`);
}
