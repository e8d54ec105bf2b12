// `deno task test:interop`: the interop suite. Builds the Go tools when they are missing
// (see _build.ts), then runs every check group against real go-spiffe peers and a real
// SPIRE server and agent, printing one line per check and a closing `N passed, M failed`.
// Exits 1 on any failure. `--only=<substring>` runs the groups whose name contains it.
import { parseArgs } from "node:util";
import { buildTools } from "./_build.ts";
import type { CheckGroup } from "./_check.ts";
import { goSpiffeGroups } from "./checks/go_spiffe.ts";
import { spireGroups } from "./checks/spire.ts";

const { values: flags } = parseArgs({ args: Deno.args, options: { only: { type: "string" } } });
const groups: CheckGroup[] = [...goSpiffeGroups, ...spireGroups]
  .filter((group) => flags.only === undefined || group.name.includes(flags.only));

const tools = await buildTools({ spire: groups.some((group) => group.name.includes("SPIRE")) });
let passed = 0;
let failed = 0;
for (const group of groups) {
  console.log(`# ${group.name}`);
  const started = performance.now();
  try {
    await group.run(tools, async (name, outcome) => {
      const start = performance.now();
      try {
        await outcome;
        passed++;
        console.log(`ok   ${name} (${(performance.now() - start).toFixed(0)} ms)`);
      } catch (err) {
        failed++;
        console.log(`FAIL ${name}: ${err instanceof Error ? err.message : String(err)}`);
      }
    });
  } catch (err) {
    failed++;
    console.log(`FAIL ${group.name} (setup): ${err instanceof Error ? err.stack : String(err)}`);
  }
  console.log(`# ${group.name}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
console.log(`${passed} passed, ${failed} failed`);
Deno.exit(failed === 0 && passed > 0 ? 0 : 1);
