// One server per data directory, and a clear word when the port is taken: a second server on the same directory is
// refused before it touches the first one's chain or database; a port in use says so.
import { expect } from "chai";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startTestServer, type TestServer } from "../../helpers/server.js";

describe("faults: a second server, a taken port", function () {
  let first: TestServer;
  let dataDir: string;
  before(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), "anxin-lock-"));
    first = await startTestServer({ dataDir });
  });
  after(async () => {
    await first?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("refuses a second server on the same data directory and leaves the first one's chain running", async () => {
    const pid = first.ctx.chain.anvil!.pid;
    const err = await startTestServer({ dataDir }).then(
      async (s) => {
        await s.stop();
        return undefined;
      },
      (e: Error) => e,
    );
    expect(err?.message).to.match(/another Anxin server \(pid \d+\) is using the data directory/);
    expect(() => process.kill(pid, 0), "the first server's chain is still running").to.not.throw();
    expect((await fetch(`${first.url}/healthz`).then((r) => r.json())).status).to.equal("ok");
  });

  it("says the port is in use instead of failing on a null address", async () => {
    const err = await startTestServer({ config: { port: first.port } }).then(
      async (s) => {
        await s.stop();
        return undefined;
      },
      (e: Error) => e,
    );
    expect(err?.message).to.equal(`port ${first.port} on 127.0.0.1 is already in use (another server?): stop it or set PORT`);
  });

  it("takes over a lock left by a server that was killed", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "anxin-lock-stale-"));
    try {
      writeFileSync(path.join(dir, "server.lock"), "999999999\n"); // no such process
      const s = await startTestServer({ dataDir: dir });
      await s.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
