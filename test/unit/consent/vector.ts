// The published consent test vector (docs/FORMATS.md (Consent)). Other implementations rely on these exact values.
import { Wallet } from "ethers";
import { Purpose, type Grant } from "../../../src/consent/index.js";

export const subjectWallet = new Wallet("0x" + "11".repeat(32));
export const granteeWallet = new Wallet("0x" + "22".repeat(32));
export const otherWallet = new Wallet("0x" + "33".repeat(32));

export const VECTOR = {
  chainId: 31337n,
  ledger: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  categories: ["consultation_note", "assessment"],
  scopeSalt: "0x" + "a5".repeat(32),
  scope: "0x28575dbcdab89a8b01168ad0ca1eff29af2c15287b4b38ba152bfc551b0fdf71",
  grant: {
    subject: "0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A",
    grantee: "0x1563915e194D8CfBA1943570603F7606A3115508",
    purpose: Purpose.TREATMENT,
    scope: "0x28575dbcdab89a8b01168ad0ca1eff29af2c15287b4b38ba152bfc551b0fdf71",
    notBefore: 1780243200, // 2026-06-01T00:00:00+08:00
    notAfter: 1811779200, // 2027-06-01T00:00:00+08:00
    salt: "0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
  } satisfies Grant,
  grantTypeHash: "0x26ee1cc246a64caaacab2c607f5e83e7229f04c227ddf14e0f2059e07686470b",
  revokeTypeHash: "0x0c123283524250de33146a6c628ac6937cd6de91a5680fc216fa178dbf1674c9",
  domainSeparator: "0x383785a4e03ac816447e020c69b9c43298ff35b5fd1b4e72f51b62588d595f43",
  grantId: "0x3b248bc18490228e9cc54128f6ce0791dc2f8d61e0f38c59bdfd85c30dd6056b",
  grantDigest: "0x11390a52c6bea06791eb02f2d92580deef42dbf6b23a3ed1fd9fbe0195623419",
  grantSignature:
    "0xd4c5cd54af22e2fd1a22aed2ee698b403ce33e34bd0e8087b7144fe58c9ed53a42b705a05ac4dc64ece1f256368aa0d2e1bb50387d7e80c55d9937ef1af61d6d1c",
  revokeSalt: "0x" + "33".repeat(32),
  revokeHash: "0xb83315f73adffed4900feb4eb239ab7e6cdd721caf28d61ce5827778576cc2da",
  revokeDigest: "0x43cad3e5ab8b45fb59397ec03035f8c5e63fb89b395b56419c5c2055f5ab2263",
  revokeSignature:
    "0x5e5087ff69b5fe680e9db2d03a64569d4a5e8f02fb3bb19e76fe5e24392dee5e19576a3745fb8cd0547478e555ce4f572747161d77b5daaaef12f219812b2bc61b",
} as const;
