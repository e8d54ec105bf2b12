// Run by permission_test.ts without --allow-write/--allow-net: creating a source must fail
// at once, naming the missing permission, instead of retrying forever.
import { X509Source } from "../../mod.ts";

try {
  await X509Source.create({ address: "unix:///tmp/spiffe-ts-no-permission.sock" });
  console.log("created");
} catch (err) {
  console.log(`${(err as Error).constructor.name}: ${(err as Error).message}`);
}
