// Browser stand-in for zod's list of all its locales (≈ 260 KB minified, a fifth of the resident page's JavaScript):
// `z.locales` stays, with only the English default and Simplified Chinese; no page reads another.
export { en, zhCN } from "zod/v4/locales";
