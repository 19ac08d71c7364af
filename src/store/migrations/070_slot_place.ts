// Where a counselor receives residents for a slot (an office, a community centre room): the counselor's own
// workplace, never the resident's, so it is stored in clear and shown on both sides' calendars.
export default {
  version: 70,
  name: "slot_place",
  sql: `
ALTER TABLE booking_slots ADD COLUMN place text;
`,
};
