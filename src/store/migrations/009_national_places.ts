// Places become national division codes (GB/T 2260): the Shanghai-only codes of the first release ("sh",
// "sh.<district>", "sh.z.<zone>") are rewritten where they were stored. Needs and counselor service areas carry
// district level or coarser, never streets, so districts, zones and the city are all there is to map:
// - a need's district: district → its 6-digit code; a zone → the city 310000 (coarser, so no less private: the old
//   zones were built in, a deployment now defines its own);
// - a counselor's service areas: a zone → its districts (the same in-person coverage as before);
// - released statistics: cell keys "<old>|<category>" → "<new>|<category>"; zone cells keep their zone as
//   310000.z.<zone> (a past release is kept as released, under the new code scheme).
// The table was generated from the first release's geo.ts and the division data (test/unit/store/places-migration).
const DISTRICTS = `
  ('sh.huangpu', '310101'), ('sh.jingan', '310106'), ('sh.xuhui', '310104'), ('sh.changning', '310105'), ('sh.putuo', '310107'), ('sh.hongkou', '310109'),
  ('sh.yangpu', '310110'), ('sh.baoshan', '310113'), ('sh.chongming', '310151'), ('sh.pudong', '310115'), ('sh.minhang', '310112'), ('sh.songjiang', '310117'),
  ('sh.jinshan', '310116'), ('sh.fengxian', '310120'), ('sh.jiading', '310114'), ('sh.qingpu', '310118')`;
const ZONES: Record<string, string[]> = {"central": ["310101", "310106"], "west": ["310104", "310105", "310107"], "north": ["310109", "310110", "310113", "310151"], "east": ["310115"], "southwest": ["310112", "310117", "310116", "310120"], "northwest": ["310114", "310118"]};

const values = (rows: string[]) => rows.join(",\n  ");
const needMap = values([DISTRICTS.trim(), ...Object.keys(ZONES).map((z) => `('sh.z.${z}', '310000')`), "('sh', '310000')"]);
const areaMap = values([
  DISTRICTS.trim().replace(/'\)/g, "', 0)"),
  ...Object.entries(ZONES).flatMap(([z, ds]) => ds.map((d, i) => `('sh.z.${z}', '${d}', ${i})`)),
  "('sh', '310000', 0)",
]);
const cellMap = values([DISTRICTS.trim(), ...Object.keys(ZONES).map((z) => `('sh.z.${z}', '310000.z.${z}')`), "('sh', '310000')"]);

export default {
  version: 9,
  name: "national_place_codes",
  sql: `
UPDATE match_needs n SET need = jsonb_set(n.need, '{district}', to_jsonb(m.code))
  FROM (VALUES ${needMap}) AS m(old, code)
 WHERE n.need->>'district' = m.old;

UPDATE match_profiles p SET profile = jsonb_set(p.profile, '{districts}', (
  SELECT coalesce(jsonb_agg(to_jsonb(y.code) ORDER BY y.first), '[]'::jsonb) FROM (
    SELECT coalesce(m.code, e.old) AS code, min(e.ord * 100 + coalesce(m.sub, 0)) AS first
      FROM jsonb_array_elements_text(p.profile->'districts') WITH ORDINALITY AS e(old, ord)
      LEFT JOIN (VALUES ${areaMap}) AS m(old, code, sub) ON m.old = e.old
     GROUP BY 1) y))
 WHERE jsonb_typeof(p.profile->'districts') = 'array'
   AND EXISTS (SELECT 1 FROM jsonb_array_elements_text(p.profile->'districts') AS e(old) WHERE e.old = 'sh' OR e.old LIKE 'sh.%');

UPDATE dp_releases r SET counts = (
  SELECT jsonb_object_agg(coalesce(m.code, split_part(e.k, '|', 1)) || '|' || split_part(e.k, '|', 2), e.v)
    FROM jsonb_each(r.counts) AS e(k, v)
    LEFT JOIN (VALUES ${cellMap}) AS m(old, code) ON m.old = split_part(e.k, '|', 1))
 WHERE EXISTS (SELECT 1 FROM jsonb_object_keys(r.counts) AS k WHERE k LIKE 'sh|%' OR k LIKE 'sh.%');
`,
};
