// Privacy of operations data: a scenario with recognisable markers (a resident's name, phone, ID number and a note
// text) through records, the identity vault, consent (relayed over the API) and alerts, including refused and
// malformed requests that carry the markers. Afterwards every server log line of this file and the /metrics
// output are scanned for the markers, the resident's addresses, session tokens and private keys: zero hits.
import { expect } from "chai";
import { Wallet } from "ethers";
import { DEV_OPERATOR_KEY } from "../../../src/chain/index.js";
import type { ApiClient } from "../../../src/client/index.js";
import {
  counselorKeys,
  generateSeed,
  relationshipKeys,
  rewrapKey,
  sealIdentity,
  toBase64,
  vaultKeys,
  type RelationshipKeys,
} from "../../../src/crypto/index.js";
import { accreditCounselor, startTestServer, type TestServer } from "../../helpers/server.js";
import { counselorWrites, fetchForReader, publishKey } from "../vault/helpers.js";
import { onChain, signedGrant } from "../consent/helpers.js";

const NAME = "测试居民张三";
const PHONE = "13800138000";
const ID_NUMBER = "110101199003074518";
const NOTE = "MARKER-NOTE-秘密";
const MARKERS = [NAME, PHONE, ID_NUMBER, NOTE, "MARKER-NOTE", "秘密"];

describe("security: no personal data, addresses, tokens or keys in logs and metrics", function () {
  let srv: TestServer;
  let seed: Uint8Array;
  let rel: RelationshipKeys;
  let counselor: Wallet;
  const tokens: string[] = [];
  const residentAddresses: string[] = [];
  const secrets: string[] = [DEV_OPERATOR_KEY];

  before(async () => (srv = await startTestServer()));
  after(async () => srv?.stop());

  const signIn = async (w: Wallet): Promise<ApiClient> => {
    const api = await srv.api().login(w);
    tokens.push(api.token!);
    return api;
  };

  it("runs records, identity vault, consent and alerts with marked data", async () => {
    counselor = (await accreditCounselor(srv)).wallet;
    seed = await generateSeed();
    rel = await relationshipKeys(seed, counselor.address);
    const vault = await vaultKeys(seed);
    residentAddresses.push(rel.address, vault.address);
    secrets.push(counselor.privateKey, rel.wallet.privateKey, vault.wallet.privateKey, toBase64(seed), Buffer.from(seed).toString("hex"));

    const cApi = await signIn(counselor);
    const rApi = await signIn(rel.wallet);
    await publishKey(rApi, rel);

    // Consent through the API: signed by the relationship key, relayed by the service, indexed.
    const { body } = await signedGrant(srv, rel.wallet, counselor.address, { categories: ["assessment", "consultation_note", "care_plan", "identity"] });
    const submitted = await rApi.post<{ grantId: string }>("/v1/consents", body);
    const consentId = submitted.grantId;
    await onChain(rApi, consentId);

    // A counselor's note carrying the marker text, read back by the resident.
    const note = await counselorWrites(cApi, counselor, rel.address, consentId, { text: NOTE, phone: PHONE, minutes: 50 });
    await fetchForReader(rApi, note.reply.recordId, note.reply.contentHash);

    // The identity vault entry, shared with the counselor under the consent.
    const vApi = await signIn(vault.wallet);
    const env = await sealIdentity({ seed, identity: { name: NAME, phone: PHONE, idNumber: ID_NUMBER } });
    const idReply = await vApi.post<{ recordId: string; contentHash: string }>("/v1/records", env);
    const own = await fetchForReader(vApi, idReply.recordId, idReply.contentHash);
    const ck = await counselorKeys(counselor.privateKey);
    const entry = await rewrapKey(own.envelope, vault.x25519, vault.address, { address: ck.address, x25519PublicKey: ck.x25519.publicKey });
    await vApi.post(`/v1/records/${idReply.contentHash}/keys`, { keys: [{ ...entry, grantId: consentId }] });
    await fetchForReader(cApi, idReply.recordId, idReply.contentHash);

    // Alerts: the resident raises a crisis alert, the counselor marks risk, sees and acknowledges it.
    const alert = await rApi.post<{ alertId: string }>("/v1/alerts", { kind: "crisis", level: "high", instrument: "phq9", subjectRef: rel.address });
    await cApi.post("/v1/alerts", { kind: "counselor_mark", level: "high", subjectRef: rel.address });
    const listed = await cApi.get<{ alerts: Array<{ alertId: string }> }>("/v1/alerts");
    expect(listed.alerts.map((a) => a.alertId)).to.include(alert.alertId);
    await cApi.post(`/v1/alerts/${alert.alertId}/ack`, {});

    // Refused and malformed requests that carry the markers in bodies, paths, queries and headers.
    const attempts: Array<Promise<Response>> = [
      rApi.raw("POST", "/v1/alerts", { kind: "crisis", level: "high", subjectRef: PHONE, note: NOTE }),
      rApi.raw("GET", `/v1/records?subject=${encodeURIComponent(ID_NUMBER)}&name=${encodeURIComponent(NAME)}`),
      rApi.raw("GET", `/v1/records/${encodeURIComponent(NAME)}`),
      rApi.raw("GET", `/v1/consents?subject=${PHONE}`),
      srv.api().raw("POST", "/v1/auth/login", { message: `${NAME} ${PHONE} ${ID_NUMBER} ${NOTE}`.padEnd(60, "."), signature: "0x" + "00".repeat(65) }),
      srv.api().raw("POST", "/v1/auth/login", `{"message": "${NOTE}`),
      cApi.raw("POST", "/v1/records", { ...env, ciphertext: "!!" + NOTE }),
      // A client's well-formed request id is echoed and logged by design (correlation); one with spaces is replaced.
      srv.api().raw("GET", "/v1/auth/session", undefined, { "x-request-id": `phone ${PHONE} id ${ID_NUMBER}` }),
      srv.api().raw("GET", "/v1/auth/session", undefined, { authorization: `Bearer ${tokens[1].slice(0, -3)}xyz` }),
      srv.api().raw("GET", `/v1/no-such/${encodeURIComponent(NOTE)}`),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.status, res.url).to.be.within(400, 499);
      const text = await res.text();
      for (const m of MARKERS) expect(text, `${res.url} echoes a marker`).to.not.include(m);
    }
  });

  it("leaves no marker, resident address, token or private key in the server log or /metrics", async () => {
    const metrics = await (await srv.metrics()).text();
    expect(metrics).to.match(/anxin_http_requests_total/);
    await new Promise((r) => setTimeout(r, 200)); // the last request lines are written on response finish
    const sources: Array<[string, string]> = [
      ["server log", srv.logLines.join("\n")],
      ["/metrics", metrics],
    ];
    expect(srv.logLines.length, "the scan needs log lines to scan").to.be.greaterThan(30);
    const needles: Array<[string, string]> = [
      ...MARKERS.map((m) => [`marker ${m}`, m] as [string, string]),
      ...residentAddresses.map((a) => [`resident address ${a}`, a.slice(2).toLowerCase()] as [string, string]),
      ...tokens.flatMap((t) => [[`session token`, t], [`token MAC`, t.split(".")[2]]] as Array<[string, string]>),
      ...secrets.map((s) => [`secret ${s.slice(0, 6)}…`, s.replace(/^0x/, "").toLowerCase()] as [string, string]),
    ];
    const hits: string[] = [];
    for (const [where, text] of sources) {
      const lower = text.toLowerCase();
      for (const [what, n] of needles) if (lower.includes(n.toLowerCase())) hits.push(`${where}: ${what}`);
      if (/bearer\s+v1\./i.test(text)) hits.push(`${where}: a bearer token`);
      if (/v1\.[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{43}/.test(text)) hits.push(`${where}: something shaped like a session token`);
      if (/(^|[^0-9a-f])(0x)?[0-9a-f]{64}([^0-9a-f]|$)/i.test(text.replace(/"(hash|contentHash|root|leafHash|txHash|tx|grantId|blockHash|registry|scope)":"(0x)?[0-9a-f]{64}"/gi, ""))) {
        // 32-byte hex outside the fields known to be public hashes: could be a private key.
        const m = text.match(/"([A-Za-z]+)":"(0x)?[0-9a-f]{64}"/gi);
        hits.push(`${where}: 32-byte hex in ${[...new Set(m ?? ["?"])].slice(0, 5).join(", ")}`);
      }
    }
    const lines = srv.logLines.filter((l) => MARKERS.some((m) => l.includes(m))).slice(0, 3);
    expect(hits, lines.join("\n")).to.deep.equal([]);
  });
});
