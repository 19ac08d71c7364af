import type { InstrumentDefinition, InstrumentId } from "../types.js";
import { gad7 } from "./gad7.js";
import { k10 } from "./k10.js";
import { phq9 } from "./phq9.js";
import { pss10 } from "./pss10.js";
import { who5 } from "./who5.js";

export { gad7, k10, phq9, pss10, who5 };

/** The one definition per instrument that scoring reads. */
export const INSTRUMENTS: Readonly<Record<InstrumentId, InstrumentDefinition>> = Object.freeze({
  phq9,
  gad7,
  who5,
  pss10,
  k10,
});

export const INSTRUMENT_IDS = Object.freeze(Object.keys(INSTRUMENTS) as InstrumentId[]);

export function isInstrumentId(id: unknown): id is InstrumentId {
  return typeof id === "string" && Object.prototype.hasOwnProperty.call(INSTRUMENTS, id);
}
