// The call proof (client/call-proof.ts): a signed DTLS fingerprint is accepted only from the expected party, for
// the same booking, call attempt and role, and only with the very fingerprints that were signed.
import { expect } from "chai";
import { Wallet } from "ethers";
import { callStatement, checkCall, safetyCode, sdpFingerprints, signCall } from "../../../src/client/call-proof.js";

const FP_A = "AB:CD:" + "01:".repeat(29) + "EF";
const FP_B = "12:34:" + "02:".repeat(29) + "56";
const sdp = (fp: string) => `v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=fingerprint:sha-256 ${fp}\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=fingerprint:sha-256 ${fp}\r\n`;
const ids = { bookingId: "a".repeat(32), callId: "b".repeat(32) };

describe("client: call proof (anxin.call.v1)", () => {
  it("reads the SDP's fingerprints, normalized and unique", () => {
    expect(sdpFingerprints(sdp(FP_A.toLowerCase()))).to.deep.equal([`sha-256 ${FP_A}`]);
    expect(sdpFingerprints("v=0\r\n")).to.deep.equal([]);
  });

  it("accepts the expected signer's fingerprints and refuses a swap, another signer, another call or role", async () => {
    const counselor = Wallet.createRandom();
    const server = Wallet.createRandom();
    const proof = await signCall(counselor, { ...ids, role: "offer", sdp: sdp(FP_A) });
    const check = (o: Partial<Parameters<typeof checkCall>[0]>) => checkCall({ sdp: sdp(FP_A), proof, ...ids, role: "offer", expected: counselor.address, ...o });
    expect(check({})).to.deep.equal({ ok: true, fingerprints: [`sha-256 ${FP_A}`] });
    expect(check({ expected: counselor.address.toLowerCase() }).ok).to.equal(true);
    // The server swaps the fingerprint and keeps the signature: the signer no longer recovers as the counsellor.
    expect(check({ sdp: sdp(FP_B) })).to.deep.equal({ ok: false, reason: "wrong_signer" });
    // …or re-signs with its own key: still not the counsellor.
    const forged = { at: proof.at, sig: await server.signMessage(callStatement({ ...ids, role: "offer", fingerprints: [`sha-256 ${FP_B}`], at: proof.at })) };
    expect(check({ sdp: sdp(FP_B), proof: forged })).to.deep.equal({ ok: false, reason: "wrong_signer" });
    expect(check({ role: "answer" }).ok).to.equal(false);
    expect(check({ callId: "c".repeat(32) }).ok).to.equal(false);
    expect(check({ bookingId: "d".repeat(32) }).ok).to.equal(false);
    expect(check({ sdp: "v=0\r\n" })).to.deep.equal({ ok: false, reason: "no_fingerprint" });
    expect(check({ proof: { at: proof.at, sig: "0x" + "00".repeat(65) } })).to.deep.equal({ ok: false, reason: "bad_signature" });
  });

  it("gives both sides the same six-digit safety code, and another one for another certificate", () => {
    const a = [`sha-256 ${FP_A}`], b = [`sha-256 ${FP_B}`];
    expect(safetyCode(a, b)).to.match(/^\d{3} \d{3}$/);
    expect(safetyCode(a, b)).to.equal(safetyCode(b, a));
    expect(safetyCode(a, [`sha-256 ${FP_A.replace("AB", "AC")}`])).to.not.equal(safetyCode(a, b));
  });
});
