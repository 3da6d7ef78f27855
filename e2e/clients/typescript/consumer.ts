// A consumer of the generated types, compiled with `tsc --strict`: the typed
// documents give graphql-request and Apollo Client typed variables and
// results, and nullable fields (every field a platform backs) must be
// checked before use.
import { ApolloClient } from '@apollo/client';
import { GraphQLClient } from 'graphql-request';
import { GroupNodeDocument, LeaveGroupDocument, MembershipsDocument } from '../generated/graphql.js';
import type { MembershipsQuery, Provider } from '../generated/graphql.js';

export interface Summary {
  viewer: string;
  total: number;
  providers: Provider[];
  detailTypes: string[];
}

export function summarize(data: MembershipsQuery): Summary {
  const memberships = data.viewer.memberships;
  if (!memberships) throw new Error('memberships failed entirely');
  const nodes = memberships.nodes;
  return {
    viewer: data.viewer.name,
    total: memberships.totalCount,
    providers: [...new Set(nodes.map((n) => n.group.provider))].sort(),
    detailTypes: [...new Set(nodes.map((n) => n.group.details?.__typename ?? 'none'))].sort(),
  };
}

export async function withGraphQLRequest(client: GraphQLClient): Promise<Summary> {
  return summarize(await client.request(MembershipsDocument, { first: 100 }));
}

export async function withApollo(client: ApolloClient): Promise<Summary> {
  const { data } = await client.query({ query: MembershipsDocument, variables: { first: 100 } });
  if (!data) throw new Error('no data');
  return summarize(data);
}

export async function groupDescription(client: GraphQLClient, id: string): Promise<string | null> {
  const { node } = await client.request(GroupNodeDocument, { id });
  return node?.__typename === 'Group' ? node.description : null;
}

export async function leave(client: GraphQLClient, groupId: string): Promise<string[]> {
  const { leaveGroup } = await client.request(LeaveGroupDocument, { groupId });
  return leaveGroup ? leaveGroup.errors.map((e) => e.code) : ['FAILED'];
}
