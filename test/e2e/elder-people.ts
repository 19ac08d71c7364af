// The counsellor's public profile as the authority publishes it (its hash on CounselorRegistry, the document on the
// app server), so the resident walks can assert she sees a name, a title and an organisation, never an address.
import type { Contract } from "ethers";
import { makePublicProfile, publicProfileHash, type PublicProfile } from "../../src/deid/public-profile.js";
import { storePublicProfile } from "../../src/services/public-profiles.js";
import type { TestServer } from "../helpers/server.js";

export const WANG = { displayName: "王静", title: "二级心理咨询师", organisation: "徐汇区精神卫生中心", districts: ["310104"], languages: ["mandarin" as const] };

export async function publishProfile(srv: TestServer, counselor: string, fields = WANG): Promise<PublicProfile> {
  const profile = makePublicProfile(counselor, fields);
  await (await (srv.ctx.chain.registry as Contract).publishProfile(counselor, publicProfileHash(profile))).wait();
  await storePublicProfile(srv.ctx, profile);
  return profile;
}
