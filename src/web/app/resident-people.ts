// People, not hex (issue 18 part 7): counsellors shown by the name, title, organisation and districts of the profile
// the authority published, each checked in the page against CounselorRegistry (src/client/profiles.ts) over the
// chain endpoint the page trusts; an address the directory does not vouch for gets a role word, never a name the
// server made up. The address itself stays behind 详细信息.
import { ApiClient, rpcRegistryReader, verifiedProfileDirectory, type PublicProfile } from "../../client/index.js";
import { chosenRpcUrl } from "./trusted-chain.js";
import { addWords, t } from "./i18n.js";
import { h, p } from "./ui.js";

addWords({
  personTitleOrg: ["{title} · {org}", "{title} · {org}"],
  personDistricts: ["服务地区：{list}", "Serves: {list}"],
  personUnverified: ["（这位咨询师的资料没有通过核验，所以不显示名字）", "(this counsellor's profile did not verify, so no name is shown)"],
  logYourCounselorNamed: ["您的咨询师{name}", "Your counsellor {name}"],
  matcherNamed: ["匹配服务：{name}（管理方登记并核验的名称）。", "Matching service: {name} (the name the authority registered and verified)."],
  proposedBy: ["以下推荐来自{name}。", "These suggestions come from {name}."],
});

let directory: Promise<Map<string, PublicProfile>> | undefined;
let fetchedAt = 0;

async function load(): Promise<Map<string, PublicProfile>> {
  const anon = new ApiClient(location.origin);
  const { chain } = await anon.get<{ chain: { rpcUrl?: string; registry: string } }>("/healthz");
  const rpcUrl = chosenRpcUrl() ?? chain.rpcUrl;
  if (!rpcUrl) return new Map();
  // Refused entries (forged, stale, suspended) are simply not in the map: they are shown without a name.
  return (await verifiedProfileDirectory(anon, rpcRegistryReader(rpcUrl, chain.registry))).profiles;
}

/** The verified profiles, fetched once and again when an address is missing (a counsellor accredited since). */
export async function people(want: string[] = []): Promise<Map<string, PublicProfile>> {
  const stale = async () => {
    const m = await directory!;
    return want.some((a) => !m.has(a.toLowerCase())) && Date.now() - fetchedAt > 5_000;
  };
  if (!directory || (await stale().catch(() => true))) {
    fetchedAt = Date.now();
    directory = load().catch(() => new Map());
  }
  return directory;
}

let known = new Map<string, PublicProfile>();

/** Loads the profiles of `addresses` so that the synchronous helpers below can name them. */
export async function knowPeople(addresses: string[]): Promise<void> {
  known = await people(addresses);
}

/** A counsellor's verified profile (never a matching service's, whose profile carries role "matcher"). */
export function profileOf(address: string): PublicProfile | undefined {
  const pr = known.get(address.toLowerCase());
  return pr && pr.role === undefined ? pr : undefined;
}

/** The registered name of a matching service (its verified role "matcher" profile), or undefined. */
export function matcherNameOf(address: string): string | undefined {
  const pr = known.get(address.toLowerCase());
  return pr?.role === "matcher" ? pr.displayName : undefined;
}

/** The note that says which matching service this is: its registered name, else the plain fallback wording. */
export function matcherNote(address: string): HTMLElement {
  const name = matcherNameOf(address);
  return name ? h("p", { class: "note", "data-matcher-name": name }, t("matcherNamed", { name })) : p(t("matcherListed"), "note");
}

/** The verified name, or undefined. */
export function nameOf(address: string): string | undefined {
  return profileOf(address)?.displayName;
}

/** "王静" for a verified counsellor, else the plain role word (never hex). */
export function counselorWord(address: string): string {
  return nameOf(address) ?? t("logYourCounselor");
}

/** Name, title · organisation and districts of a counsellor, as a block for a card. */
export function personBlock(address: string, placeName: (code: string) => string | undefined = () => undefined): HTMLElement {
  const pr = profileOf(address);
  if (!pr) return h("div", { class: "person unverified" }, p(t("personUnverified"), "note"));
  const places = pr.districts.map((c) => placeName(c)).filter((x): x is string => !!x);
  return h(
    "div",
    { class: "person", "data-counselor-name": pr.displayName },
    h("p", { class: "person-name" }, pr.displayName),
    p(t("personTitleOrg", { title: pr.title, org: pr.organisation }), "person-role"),
    places.length ? p(t("personDistricts", { list: places.join("、") }), "note") : null,
  );
}
