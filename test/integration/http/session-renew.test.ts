// The one API client signs in again after a 401 when (and only when) it was given a signer for it: the web pages'
// "no silent failure" (issue 18, part 4) against a real server whose session was ended under it.
import { expect } from "chai";
import { Wallet } from "ethers";
import { ApiError } from "../../../src/client/index.js";
import { startTestServer, type TestServer } from "../../helpers/server.js";

describe("client: a session renewed after a 401", function () {
  this.timeout(120_000);
  let srv: TestServer;
  const wallet = Wallet.createRandom();
  before(async () => {
    srv = await startTestServer();
  });
  after(async () => {
    await srv?.stop();
  });

  /** Ends the client's current session on the server (as an expiry would). */
  const endSession = async (token: string) => srv.api().as(token).post("/v1/auth/logout", {});

  it("retries once with a fresh sign-in while the signer is there", async () => {
    const api = await srv.api().renewWith(() => wallet).login(wallet);
    const first = api.token!;
    await endSession(first);
    const me = await api.get<{ address: string }>("/v1/auth/session");
    expect(me.address).to.equal(wallet.address.toLowerCase());
    expect(api.token).to.be.a("string").and.not.equal(first);
  });

  it("requests that fail together share one sign-in", async () => {
    const api = await srv.api().renewWith(() => wallet).login(wallet);
    await endSession(api.token!);
    const tokens = new Set<string>();
    const orig = api.login.bind(api);
    let logins = 0;
    api.login = async (...a: Parameters<typeof orig>) => (logins++, orig(...a));
    await Promise.all([1, 2, 3].map(async () => (await api.get("/v1/auth/session"), tokens.add(api.token!))));
    expect(logins).to.equal(1);
    expect(tokens.size).to.equal(1);
  });

  it("keeps the 401 when the signer is gone (the page's key is locked) or was never given", async () => {
    const locked = await srv.api().renewWith(() => undefined).login(wallet);
    await endSession(locked.token!);
    const e1 = await locked.get("/v1/auth/session").catch((e) => e);
    expect(e1).to.be.instanceOf(ApiError);
    expect((e1 as ApiError).status).to.equal(401);
    const plain = await srv.api().login(wallet);
    await endSession(plain.token!);
    const e2 = await plain.get("/v1/auth/session").catch((e) => e);
    expect((e2 as ApiError).status).to.equal(401);
  });
});
