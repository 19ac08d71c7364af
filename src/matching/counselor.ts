// Counselor profile as the matching service sees it: what they can offer, never who their clients are.
import { z } from "zod";
import {
  CategorySchema,
  GenderSchema,
  LanguageSchema,
  ModalitySchema,
  SlotSchema,
  AreaCodeSchema,
  uniqueArray,
} from "../deid/need.js";
import { SLOTS, LANGUAGES, MODALITIES, CATEGORIES } from "../deid/index.js";


export const CounselorSchema = z.strictObject({
  /** The counselor's on-chain address (accredited in CounselorRegistry). */
  counselorId: z.string().regex(/^0x[0-9a-fA-F]{40}$/, "counselorId must be an EVM address"),
  specialties: uniqueArray(CategorySchema, 0, CATEGORIES.length),
  languages: uniqueArray(LanguageSchema, 1, LANGUAGES.length),
  modalities: uniqueArray(ModalitySchema, 1, MODALITIES.length),
  /** Areas served in person: district, zone or city codes. */
  districts: uniqueArray(AreaCodeSchema, 0, 64),
  /** Open slots for new clients in this matching round. */
  capacity: z.number().int().min(0).max(10_000),
  availability: uniqueArray(SlotSchema, 0, SLOTS.length),
  gender: GenderSchema,
  accredited: z.boolean(),
});
export type Counselor = z.infer<typeof CounselorSchema>;
