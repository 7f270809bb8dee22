import { queryOptions, useQuery } from '@tanstack/react-query';
import { api, call } from '../../../../api/client.js';
import type { components } from '../../../../api/schema.js';

export type Group = components['schemas']['Group'];

/** Every group the caller can see (pages of 100 walked to the end; groups are few). */
export const listAllGroups = async (): Promise<Group[]> => {
  const all: Group[] = [];
  let cursor: string | undefined;
  do {
    const page = await call(
      api.GET('/api/v1/groups', { params: { query: { limit: 100, ...(cursor ? { cursor } : {}) } } }),
    );
    all.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && all.length < 5000);
  return all;
};

export const groupsQueryOptions = () => queryOptions({ queryKey: ['groups'], queryFn: listAllGroups });

export const useGroups = (enabled = true) => useQuery({ ...groupsQueryOptions(), enabled });

/** "Vendor › Reseller › Customer" for every group, from the parent links. */
export const groupPaths = (groups: Group[]): Map<string, string> => {
  const byId = new Map(groups.map((g) => [g.id, g]));
  const paths = new Map<string, string>();
  const pathOf = (g: Group, depth = 0): string => {
    const known = paths.get(g.id);
    if (known) return known;
    const parent = g.parentId ? byId.get(g.parentId) : undefined;
    const path = parent && depth < 50 ? `${pathOf(parent, depth + 1)} › ${g.name}` : g.name;
    paths.set(g.id, path);
    return path;
  };
  for (const g of groups) pathOf(g);
  return paths;
};
