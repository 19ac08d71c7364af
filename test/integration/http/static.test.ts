// Pages for slow phone networks: bundles precompressed (brotli, else gzip), content-hashed chunks cached for a
// year, entry scripts and pages revalidated by ETag; larger API answers compressed on the fly.
import { expect } from "chai";
import http from "node:http";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { startTestServer, type TestServer } from "../../helpers/server.js";

function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        const parts: Buffer[] = [];
        res.on("data", (d) => parts.push(d));
        res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(parts) }));
      })
      .on("error", reject);
  });
}

describe("static pages and compression", function () {
  let srv: TestServer;
  before(async () => (srv = await startTestServer()));
  after(async () => srv?.stop());

  it("serves each bundle in the best encoding the client accepts, with the same bytes inside", async () => {
    const plain = await get(`${srv.url}/dist/resident.js`, { "accept-encoding": "identity" });
    expect(plain.status).to.equal(200);
    expect(plain.headers["content-encoding"]).to.equal(undefined);
    expect(plain.headers["content-type"]).to.match(/^text\/javascript/);
    const br = await get(`${srv.url}/dist/resident.js`, { "accept-encoding": "gzip, deflate, br" });
    expect(br.headers["content-encoding"]).to.equal("br");
    expect(br.headers.vary).to.match(/Accept-Encoding/i);
    expect(brotliDecompressSync(br.body).equals(plain.body)).to.equal(true);
    const gz = await get(`${srv.url}/dist/resident.js`, { "accept-encoding": "gzip" });
    expect(gz.headers["content-encoding"]).to.equal("gzip");
    expect(gunzipSync(gz.body).equals(plain.body)).to.equal(true);
  });

  it("caches content-hashed chunks for a year and revalidates entry scripts and pages", async () => {
    const entry = await get(`${srv.url}/dist/resident.js`, { "accept-encoding": "br" });
    expect(entry.headers["cache-control"]).to.equal("no-cache");
    expect((await get(`${srv.url}/dist/resident.js`, { "accept-encoding": "br", "if-none-match": String(entry.headers.etag) })).status).to.equal(304);
    const js = brotliDecompressSync(entry.body).toString();
    const chunk = /chunks\/chunk-[A-Z0-9]+\.js/.exec(js)?.[0];
    expect(chunk, "the resident bundle imports a chunk").to.be.a("string");
    const c = await get(`${srv.url}/dist/${chunk}`, { "accept-encoding": "br" });
    expect(c.status).to.equal(200);
    expect(c.headers["cache-control"]).to.equal("public, max-age=31536000, immutable");
    const page = await get(`${srv.url}/resident.html`);
    expect(page.headers["cache-control"]).to.equal("no-cache");
  });

  it("names every chunk the resident page needs in its HTML (modulepreload), all immutable; the heavy parts stay out", async () => {
    const page = await get(`${srv.url}/resident.html`);
    expect(page.headers["cache-control"]).to.equal("no-cache");
    expect((await get(`${srv.url}/resident.html`, { "if-none-match": String(page.headers.etag) })).status).to.equal(304);
    const html = page.body.toString();
    const preloads = [...html.matchAll(/<link rel="modulepreload" href="\/dist\/(chunks\/[^"]+\.js)">/g)].map((m) => m[1]);
    // Exactly the chunks the entry imports statically, followed through the chunks themselves.
    const wanted = new Set<string>();
    const walk = async (file: string) => {
      const js = (await get(`${srv.url}/dist/${file}`, { "accept-encoding": "identity" })).body.toString();
      for (const m of js.matchAll(/(?:^|[;}\s])import\s*(?:[\w$,{}*\s]+from\s*)?"\.{1,2}\/(?:chunks\/)?([^"]+\.js)"/g)) {
        const c = `chunks/${m[1]}`;
        if (!wanted.has(c)) (wanted.add(c), await walk(c));
      }
    };
    await walk("resident.js");
    expect(new Set(preloads)).to.deep.equal(wanted);
    for (const c of preloads) expect((await get(`${srv.url}/dist/${c}`, { "accept-encoding": "br" })).headers["cache-control"], c).to.equal("public, max-age=31536000, immutable");
    // libsodium, the recovery screens (BIP-39 list, QR), the QR decoder, blind RSA and the wearable importers are
    // fetched by the screens that use them: reachable from the entry only through import().
    const lazy = new Set<string>();
    const visited = new Set<string>();
    const follow = async (file: string) => {
      if (visited.has(file)) return;
      visited.add(file);
      const js = (await get(`${srv.url}/dist/${file}`, { "accept-encoding": "identity" })).body.toString();
      for (const m of js.matchAll(/import\("\.{1,2}\/(?:chunks\/)?([^"]+\.js)"\)/g)) (lazy.add(m[1]), await follow(`chunks/${m[1]}`));
      for (const m of js.matchAll(/(?:^|[;}\s])import\s*(?:[\w$,{}*\s]+from\s*)?"\.{1,2}\/(?:chunks\/)?([^"]+\.js)"/g)) await follow(`chunks/${m[1]}`);
    };
    await follow("resident.js");
    for (const name of ["libsodium-wrappers", "jsQR", "blind-token", "recovery", "import"]) expect([...lazy].some((c) => c.startsWith(`${name}-`)), name).to.equal(true);
    const first = (await Promise.all(["resident.js", ...preloads].map(async (c) => (await get(`${srv.url}/dist/${c}`, { "accept-encoding": "identity" })).body.toString()))).join("\n");
    expect(preloads.some((c) => /libsodium|jsQR|blind-token|recovery/.test(c))).to.equal(false);
    // libsodium's WebAssembly (the base64 of its "\0asm" magic is AGFzbQ) and the blind RSA suite are not in what the first screen loads.
    expect(first).to.not.include("AGFzbQ");
    expect(first).to.not.include("RSABSSA");
  });

  it("compresses larger API answers and refuses paths outside the bundle folder", async () => {
    const doc = await get(`${srv.url}/openapi.json`, { "accept-encoding": "gzip" });
    expect(doc.headers["content-encoding"]).to.equal("gzip");
    expect(JSON.parse(gunzipSync(doc.body).toString()).openapi).to.equal("3.1.0");
    for (const p of ["/dist/%2e%2e/%2e%2e/package.json", "/..%2f..%2fpackage.json", "/dist/..%2f..%2f..%2fpackage.json", "/dist/nope.js"]) expect((await get(srv.url + p)).status, p).to.equal(404);
  });
});
