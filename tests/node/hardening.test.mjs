// The TLS hardening scenarios (issue #8) under Node 20, against the npm build; Deno runs
// the same scenarios against the sources (tests/tls/hardening_test.ts).
import { test } from "node:test";
import * as lib from "../../npm/esm/mod.js";
import { startDevAgent } from "../../npm/esm/src/devagent/mod.js";
import { hardeningScenarios } from "../tls/_hardening_scenarios.mjs";

for (const { name, fn } of hardeningScenarios(lib, startDevAgent, "node")) {
  test(name, fn);
}
