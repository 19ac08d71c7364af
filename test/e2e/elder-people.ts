// The counsellor's public profile as the authority publishes it (its hash on CounselorRegistry, the document on the
// app server), so the resident walks can assert she sees a name, a title and an organisation, never an address.
import type { Contract } from "ethers";
import { makeMatcherProfile, makePublicProfile, publicProfileHash, type PublicProfile } from "../../src/deid/public-profile.js";
import { storePublicProfile } from "../../src/services/public-profiles.js";
import type { TestServer } from "../helpers/server.js";

export const WANG = { displayName: "王静", title: "二级心理咨询师", organisation: "徐汇区精神卫生中心", districts: ["310104"], languages: ["mandarin" as const] };

export async function publishProfile(srv: TestServer, counselor: string, fields = WANG): Promise<PublicProfile> {
  const profile = makePublicProfile(counselor, fields);
  await (await (srv.ctx.chain.registry as Contract).publishProfile(counselor, publicProfileHash(profile))).wait();
  await storePublicProfile(srv.ctx, profile);
  return profile;
}

/** The community's matching service by its registered name (CounselorRegistry.publishMatcherProfile). */
export const MATCH_CENTRE = { displayName: "静安区社区心理服务匹配中心", title: "社区心理服务匹配", organisation: "静安区卫生健康委员会", districts: ["310106"], languages: ["mandarin" as const] };

export async function publishMatcherProfile(srv: TestServer, matcher: string, fields = MATCH_CENTRE): Promise<PublicProfile> {
  const profile = makeMatcherProfile(matcher, fields);
  await (await (srv.ctx.chain.registry as Contract).publishMatcherProfile(matcher, publicProfileHash(profile))).wait();
  await storePublicProfile(srv.ctx, profile);
  return profile;
}

/** A phone's health export: 21 days of heart rate, HRV and sleep, the last four days stressed. */
export function wearableCsv(): string {
  const rows = ["timestamp,heart_rate_bpm,hrv_rmssd_ms,sleep_minutes"];
  const start = Date.UTC(2026, 9, 1);
  for (let d = 0; d < 21; d++) {
    const day = new Date(start + d * 86_400_000).toISOString().slice(0, 10);
    const late = d >= 17;
    for (const [hh, hr, rmssd] of [["08", 62 + (d % 3), 48 - (d % 4)], ["14", 70 + (d % 2), 44], ["20", 66, 46 + (d % 3)]] as const)
      rows.push(`${day}T${hh}:00:00+08:00,${late ? hr + 25 : hr},${late ? rmssd - 20 : rmssd},`);
    rows.push(`${day}T07:00:00+08:00,,,${late ? 240 : 420 + (d % 5) * 5}`);
  }
  return rows.join("\n") + "\n";
}
