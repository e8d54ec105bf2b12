import assert from "node:assert/strict";
import { WorkloadApiClient, X509Source } from "../../mod.ts";
import { agentWith, SERVER_ID } from "../_helpers/agent.ts";

Deno.test("smoke: client and source against the devagent", async () => {
  await using agent = await agentWith();
  const client = new WorkloadApiClient({ address: agent.addresses[0] });
  const ctx = await client.fetchX509Context();
  assert.equal(ctx.svids[0].id.toString(), SERVER_ID);
  await client.close();
  const source = await X509Source.create({ address: agent.addresses[0] });
  assert.equal(source.getX509Svid().id.toString(), SERVER_ID);
  await source.close();
});
