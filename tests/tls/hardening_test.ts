// The TLS hardening scenarios (issue #8) on Deno, against the sources; the npm build runs
// the same scenarios under Node 20 (tests/node/hardening.test.mjs).
import * as lib from "../../mod.ts";
import { startDevAgent } from "../../src/devagent/mod.ts";
import { hardeningScenarios } from "./_hardening_scenarios.mjs";

for (const { name, fn } of hardeningScenarios(lib, startDevAgent, "deno")) {
  Deno.test(name, fn);
}
