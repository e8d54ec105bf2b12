// Runs the SPIRE group alone with prebuilt tools (no go build):
//   deno run -A tests/interop/spire/_try.ts [--bin /tmp/interop-bin] [--peers /tmp/peers]
// The suite's runner is tests/interop/run.ts (--only=SPIRE); this is for working on the
// group while the other groups or the tool cache are not there.
import { parseArgs } from "node:util";
import type { InteropTools } from "../_check.ts";
import { spireGroups } from "../checks/spire.ts";

const { values: flags } = parseArgs({
  args: Deno.args,
  options: {
    bin: { type: "string", default: "/tmp/interop-bin" },
    peers: { type: "string", default: "/tmp/peers" },
  },
});
const tools: InteropTools = {
  spireServer: `${flags.bin}/spire-server`,
  spireAgent: `${flags.bin}/spire-agent`,
  peer: (name) => `${flags.peers}/${name}`,
};
let passed = 0;
let failed = 0;
for (const group of spireGroups) {
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
