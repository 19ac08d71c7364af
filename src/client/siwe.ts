// Sign-In with Ethereum (EIP-4361) messages, written out by hand so the same code runs in Node and in the page
// (no siwe package in the browser bundle). The server parses and checks them with the siwe package.
import { getAddress } from "ethers";

/** EIP-4361 statements are printable ASCII only, hence no 安心 here. */
export const SIWE_STATEMENT = "Sign in to Anxin (an xin).";

export interface SiweFields {
  domain: string;
  address: string;
  statement?: string;
  uri: string;
  chainId: number;
  nonce: string;
  issuedAt: Date;
  expires: Date;
}

/** The message text in the ABNF's order (the address in its EIP-55 checksum form, as the ABNF requires). */
export function siweMessage(m: SiweFields): string {
  return [
    `${m.domain} wants you to sign in with your Ethereum account:`,
    getAddress(m.address),
    "",
    m.statement ?? SIWE_STATEMENT,
    "",
    `URI: ${m.uri}`,
    "Version: 1",
    `Chain ID: ${m.chainId}`,
    `Nonce: ${m.nonce}`,
    `Issued At: ${m.issuedAt.toISOString()}`,
    `Expiration Time: ${m.expires.toISOString()}`,
  ].join("\n");
}
