// /openapi.json tells the truth: it lints clean with an independent linter's recommended rules (Redocly), every
// operation has an operationId, and every operation that needs a bearer token declares it — checked by calling
// each operation without one.
import { expect } from "chai";
import { createConfig, lintFromString } from "@redocly/openapi-core";
import { startTestServer, type TestServer } from "../../helpers/server.js";

type Op = { operationId?: string; security?: Array<Record<string, string[]>>; "x-roles": string[]; responses: Record<string, unknown> };

const placeholder: Record<string, string> = {
  recordId: "3b0c9f2e-8d1a-4c57-9e0b-2f6a1d7c4e90",
  contentHash: "0x" + "ab".repeat(32),
  grantId: "0x" + "ab".repeat(32),
  address: "0x" + "ab".repeat(20),
  id: "ab".repeat(12),
  needId: "ab".repeat(16),
};

describe("OpenAPI document", function () {
  this.timeout(120_000);
  let srv: TestServer;
  let doc: { paths: Record<string, Record<string, Op>>; components: { securitySchemes: Record<string, unknown> } };
  const ops = () => Object.entries(doc.paths).flatMap(([p, byMethod]) => Object.entries(byMethod).map(([m, op]) => ({ path: p, method: m, op })));

  before(async () => {
    srv = await startTestServer();
    doc = await srv.api().get("/openapi.json");
  });
  after(async () => srv?.stop());

  it("lints clean with Redocly's recommended ruleset (no errors, no warnings)", async () => {
    const config = await createConfig({ extends: ["recommended"] });
    const problems = await lintFromString({ source: JSON.stringify(doc), absoluteRef: "/openapi.json", config });
    expect(problems.map((p) => `${p.severity} ${p.ruleId}: ${p.message} at ${p.location?.[0]?.pointer}`)).to.deep.equal([]);
  });

  it("gives every operation a unique operationId", () => {
    const ids = ops().map((o) => o.op.operationId);
    expect(ids.every((x) => typeof x === "string" && /^[a-z][A-Za-z0-9]+$/.test(x))).to.equal(true);
    expect(new Set(ids).size).to.equal(ids.length);
    expect(doc.paths["/v1/records/{recordId}/versions/{contentHash}/key"].get.operationId).to.equal("getRecordsByRecordIdVersionsByContentHashKey");
  });

  it("declares the bearer token on exactly the operations that answer 401 without one", async () => {
    expect(doc.components.securitySchemes.bearer).to.include({ type: "http", scheme: "bearer" });
    const all = ops();
    expect(all.length).to.be.above(60);
    for (const { path, method, op } of all) {
      const url = path.replace(/\{([A-Za-z_]+)\}/g, (_m, name: string) => placeholder[name] ?? "x");
      const res = await srv.api().raw(method.toUpperCase(), url, method === "get" || method === "delete" ? undefined : {});
      await res.arrayBuffer();
      const declared = (op.security ?? []).some((s) => "bearer" in s || "metricsToken" in s);
      if (declared) {
        expect(res.status, `${method} ${path} declares a token but answers ${res.status} without one`).to.equal(401);
        expect(op.responses).to.have.property("401");
      } else {
        expect(res.status, `${method} ${path} declares no token but answers ${res.status} without one`).to.not.be.oneOf([401, 403]);
        expect(op.security, `${method} ${path}`).to.deep.equal([]);
        expect(op["x-roles"]).to.include("public");
      }
    }
    // Prometheus metrics take the operator's metrics token, not a session.
    expect(doc.paths["/metrics"].get.security).to.deep.equal([{ metricsToken: [] }]);
    // The two routes the issue names: public in the role table, signed-in in the handler.
    expect(doc.paths["/v1/records/{recordId}"].get.security).to.deep.equal([{ bearer: [] }]);
    expect(doc.paths["/v1/records/{recordId}/versions/{contentHash}/key"].get.security).to.deep.equal([{ bearer: [] }]);
  });

  it("documents the success status each operation answers with", async () => {
    const res = await srv.api().raw("POST", "/v1/auth/nonce", {});
    expect(res.status).to.equal(201);
    expect(doc.paths["/v1/auth/nonce"].post.responses).to.have.property("201");
    expect(doc.paths["/v1/log/checkpoint"].get.responses["200"]).to.have.nested.property("content.application/json.schema");
    expect(doc.paths["/v1/audit/bundle/{recordId}"].get.responses["200"]).to.have.nested.property("content.application/json.schema");
  });
});
