// A community office for tests: real keys (one per month), published where the server reads them (the data
// directory's office-keys.json), and a resident's enrollment through the real blind-signing round trip.
import path from "node:path";
import { finishEnrollment, periodOf, startEnrollment, type NeedToken, type OfficeKeyset } from "../../src/client/blind-token.js";
import { addOfficeKeys, issueTokens, publicKeyset, writeJsonFile, type OfficeSecret } from "../../src/services/office.js";

export interface TestOffice {
  secret: OfficeSecret;
  keyset: OfficeKeyset;
  /** One resident checked in person: her app blinds, the office signs, her app unblinds. */
  enroll(periods?: string[]): Promise<NeedToken[]>;
  /** The token for this month of a freshly enrolled resident. */
  token(): Promise<NeedToken>;
}

export async function startTestOffice(dataDir: string, periods = [periodOf()]): Promise<TestOffice> {
  const office: TestOffice = {
    secret: await addOfficeKeys(undefined, periods),
    keyset: undefined as unknown as OfficeKeyset,
    async enroll(ps = [periodOf()]) {
      const { request, pending } = await startEnrollment(office.keyset, ps);
      const { secret, response } = issueTokens(office.secret, request);
      office.secret = secret;
      return finishEnrollment(office.keyset, pending, response);
    },
    async token() {
      return (await office.enroll())[0];
    },
  };
  office.keyset = publicKeyset(office.secret);
  writeJsonFile(path.join(dataDir, "office-keys.json"), office.keyset, 0o644);
  return office;
}

/** The resident's one visit to the community office in the page: the staff sign the blinded request code it shows. */
export async function visitOfficeInPage(page: import("playwright-core").Page, office: TestOffice): Promise<void> {
  await page.getByRole("heading", { name: "到社区办公室核验一次" }).waitFor();
  const issued = issueTokens(office.secret, JSON.parse(await page.getByLabel("申请码（给工作人员）").inputValue()));
  office.secret = issued.secret;
  await page.getByLabel("工作人员给您的回复").fill(JSON.stringify(issued.response));
  await page.getByRole("button", { name: "保存" }).click();
}
