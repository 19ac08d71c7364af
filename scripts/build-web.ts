// Builds the browser bundle (src/web/dist) with esbuild. The server also does this at start when the bundle is
// missing or stale, so running this by hand is optional: `node --import tsx scripts/build-web.ts [--dev]`.
import { buildWebBundle } from "../src/http/web-bundle.js";

const started = Date.now();
await buildWebBundle({ minify: !process.argv.includes("--dev") });
console.log(`web bundle built in ${Date.now() - started} ms`);
