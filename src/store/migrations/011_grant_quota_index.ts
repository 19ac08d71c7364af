// Grant quotas count the grant requests of the last minute (everyone) and hour (one subject) inside the writer's
// transaction on every submission: an index keeps that a short range scan instead of a pass over the whole queue.
export default {
  version: 11,
  name: "grant_quota_index",
  sql: `
CREATE INDEX consent_requests_grant_created ON consent_requests (created_at) WHERE kind = 'grant';
CREATE INDEX consent_requests_grant_subject_created ON consent_requests (subject, created_at) WHERE kind = 'grant';
`,
};
