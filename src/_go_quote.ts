// Moved to src/_internal/go_quote.ts. This forward stays only for src/workloadapi/address.ts,
// which another branch is rewriting: delete it once that file imports ../_internal/go_quote.ts.
export { goQuote } from "./_internal/go_quote.ts";
