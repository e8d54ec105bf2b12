import { WorkloadApiClient } from "/work/main/mod.ts";
import { agentWith } from "/work/main/tests/workloadapi/_agent.ts";
await using agent = await agentWith([null]);
const client = new WorkloadApiClient({ address: agent.addresses[0] });
for (const [n, f] of [["x509", () => client.fetchX509Context()], ["xb", () => client.fetchX509Bundles()], ["jb", () => client.fetchJwtBundles()], ["jwt", () => client.fetchJwtSvid({ audience: "a" })]] as const) {
  const t = setTimeout(() => console.log(n, "HANG"), 3000);
  try { await f(); } catch (e) { console.log(n, (e as Error).message); }
  clearTimeout(t);
}
await client.close();
