// Age generalization ladder. Level 0 is the band a need is born with (5 years); each level widens it.
// Old age is capped early ("80+", then "60+") because very old residents are few and easy to single out.

export const AGE_LEVELS = 4; // 0: 5-year, 1: 10-year, 2: 20-year / "60+", 3: "any"

function band(lo: number, width: number, cap: number): string {
  if (lo >= cap) return `${cap}+`;
  return `${lo}-${lo + width - 1}`;
}

/** The band label of an exact age at a generalization level. */
export function ageBand(age: number, level: number): string {
  if (!Number.isInteger(age) || age < 0 || age > 130) throw new RangeError("age out of range");
  switch (level) {
    case 0:
      return band(Math.floor(age / 5) * 5, 5, 80);
    case 1:
      return band(Math.floor(age / 10) * 10, 10, 80);
    case 2:
      return band(Math.floor(age / 20) * 20, 20, 60);
    case 3:
      return "any";
    default:
      throw new RangeError("age level out of range");
  }
}

function lowerBound(label: string): number {
  if (label === "any") return 0;
  return Number.parseInt(label, 10);
}

/** Which level a band label belongs to. */
export function ageBandLevel(label: string): number {
  for (let lvl = 0; lvl < AGE_LEVELS; lvl++) if (ageBand(lowerBound(label), lvl) === label) return lvl;
  throw new RangeError("unknown age band");
}

/** Widen a band label to `level` (or keep it if already that wide). */
export function widenAgeBand(label: string, level: number): string {
  const cur = ageBandLevel(label);
  return cur >= level ? label : ageBand(lowerBound(label), level);
}

/** Every label at every level: the closed vocabulary of `ageBand` in a need. */
export const AGE_BAND_LABELS: [string, ...string[]] = (() => {
  const s = new Set<string>();
  for (let lvl = 0; lvl < AGE_LEVELS; lvl++) for (let a = 0; a <= 130; a++) s.add(ageBand(a, lvl));
  return [...s] as [string, ...string[]];
})();
