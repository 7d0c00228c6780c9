// Prints the gzipped size of every JS file in dist/assets and fails above the budget, so a
// heavy dependency is caught in CI before shoppers on mobile networks pay for it.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const BUDGET_BYTES = 150 * 1024;
const assets = join(import.meta.dirname, "..", "dist", "assets");

let files;
try {
  files = readdirSync(assets).filter((name) => name.endsWith(".js"));
} catch {
  console.error(`size: ${assets} not found; run "npm run build" first`);
  process.exit(1);
}
if (files.length === 0) {
  console.error("size: no JS files in dist/assets");
  process.exit(1);
}

let total = 0;
for (const name of files.sort()) {
  const gz = gzipSync(readFileSync(join(assets, name)), { level: 9 }).length;
  total += gz;
  console.log(`${(gz / 1024).toFixed(1).padStart(8)} KB  ${name}`);
}
const verdict = total > BUDGET_BYTES ? "OVER BUDGET" : "ok";
console.log(`${(total / 1024).toFixed(1).padStart(8)} KB  total gzipped JS (budget ${BUDGET_BYTES / 1024} KB): ${verdict}`);
process.exit(total > BUDGET_BYTES ? 1 : 0);
