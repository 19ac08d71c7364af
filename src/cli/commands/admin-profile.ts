// The public-profile options of `anxin admin accredit` and `anxin admin publish-profile`: a profile file, or the
// fields one by one. Checked before anything is sent, so a bad field changes nothing on chain.
import type { Command } from "commander";
import { ZodError } from "zod";
import { makePublicProfile, type PublicProfile, type PublicProfileFields } from "../../deid/public-profile.js";
import { CliError, readJsonFile } from "../io.js";

export interface ProfileOptions {
  profile?: string;
  displayName?: string;
  title?: string;
  organisation?: string;
  districts?: string;
  languages?: string;
}

export const PROFILE_OPTIONS = "--display-name, --title, --organisation, --districts and --languages";

export const withProfileOptions = (c: Command) =>
  c
    .option("--profile <file.json>", "the public profile: {displayName, title, organisation, districts: [division codes], languages: [...]}")
    .option("--display-name <name>", "public profile: the name residents see (e.g. 王静)")
    .option("--title <title>", "public profile: professional title (e.g. 二级心理咨询师)")
    .option("--organisation <name>", "public profile: organisation (e.g. 静安区精神卫生中心)")
    .option("--districts <codes>", "public profile: comma-separated 6-digit national division codes served (e.g. 310106,310104)")
    .option("--languages <list>", "public profile: comma-separated languages (mandarin, cantonese, shanghainese, minnan, sichuanese, english, chinese_sign_language)");

const list = (s: string | undefined) => (s === undefined ? undefined : s.split(",").map((x) => x.trim()).filter(Boolean));

/** The profile the options describe, or undefined when none is given; a CliError (exit 2) names a bad field. */
export function profileFromOptions(counselor: string, o: ProfileOptions): PublicProfile | undefined {
  const fields = [o.displayName, o.title, o.organisation, o.districts, o.languages];
  if (o.profile === undefined && fields.every((f) => f === undefined)) return undefined;
  if (o.profile !== undefined && fields.some((f) => f !== undefined)) throw new CliError(`give --profile or ${PROFILE_OPTIONS}, not both`, 2);
  const given = (o.profile !== undefined
    ? readJsonFile(o.profile)
    : { displayName: o.displayName, title: o.title, organisation: o.organisation, districts: list(o.districts), languages: list(o.languages) }) as PublicProfileFields;
  try {
    const { v: _v, counselor: _c, ...rest } = given as PublicProfileFields & { v?: string; counselor?: string };
    return makePublicProfile(counselor, rest);
  } catch (e) {
    if (e instanceof ZodError) {
      const i = e.issues[0];
      throw new CliError(`public profile: ${i.path.join(".") || "profile"} ${i.message}`, 2);
    }
    throw e;
  }
}
