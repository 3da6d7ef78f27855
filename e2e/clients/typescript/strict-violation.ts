// Must NOT compile: `memberships` is nullable (a platform outage can null
// it), so `tsc --strict` refuses this unchecked access. The client suite
// asserts the error, which shows the generated types carry the schema's
// nullability and that strict mode is on.
import type { MembershipsQuery } from '../generated/graphql.js';

export function total(data: MembershipsQuery): number {
  return data.viewer.memberships.totalCount;
}
