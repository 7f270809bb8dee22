import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canManageGroup,
  canManageUser,
  canSeeGroup,
  expandScopes,
  type GroupVisibility,
  groupVisibility,
  isIsvAdmin,
  type Principal,
} from './policy.js';

interface Node {
  id: string;
  parent: number | null;
  path: string;
}

/** A random group tree: node i's parent is a node before it, node 0 is the root. */
const treeArb = fc.array(fc.nat(), { minLength: 1, maxLength: 25 }).map((picks) => {
  const nodes: Node[] = [];
  picks.forEach((pick, i) => {
    // Ids of varying length and shared prefixes, so a naive prefix test on ids would fail.
    const id = `g${i}`;
    const parent = i === 0 ? null : pick % i;
    const parentPath = parent === null ? '/' : (nodes[parent]?.path ?? '/');
    nodes.push({ id, parent, path: `${parentPath}${id}/` });
  });
  return nodes;
});

const scenarioArb = treeArb.chain((nodes) =>
  fc
    .array(
      fc.record({
        node: fc.nat({ max: nodes.length - 1 }),
        role: fc.constantFrom('admin' as const, 'member' as const),
      }),
      {
        maxLength: 4,
      },
    )
    .map((memberships) => ({ nodes, memberships })),
);

const principalOf = (
  nodes: Node[],
  memberships: { node: number; role: 'admin' | 'member' }[],
): Principal => ({
  user: { id: 'u', email: 'u@example.test', name: 'U' },
  via: 'session',
  scopes: ['read', 'write', 'admin'],
  memberships: memberships.map(({ node, role }) => {
    const group = nodes[node] as Node;
    return {
      groupId: group.id,
      groupPath: group.path,
      groupName: group.id,
      role,
      isRoot: group.parent === null,
    };
  }),
});

/** Reference: walk up the parent links. */
const isDescendantOrSelf = (nodes: Node[], child: number, ancestor: number): boolean => {
  for (let at: number | null = child; at !== null; at = nodes[at]?.parent ?? null)
    if (at === ancestor) return true;
  return false;
};

const visible = (visibility: GroupVisibility, node: Node): boolean =>
  visibility.all ||
  visibility.subtreePaths.some((p) => node.path.startsWith(p)) ||
  visibility.groupIds.includes(node.id);

describe('policy', () => {
  it('lets an admin manage exactly its group and the groups below it', () => {
    fc.assert(
      fc.property(scenarioArb, ({ nodes, memberships }) => {
        const principal = principalOf(nodes, memberships);
        nodes.forEach((node, i) => {
          const expected = memberships.some(
            (m) => m.role === 'admin' && isDescendantOrSelf(nodes, i, m.node),
          );
          expect(canManageGroup(principal, node)).toBe(expected);
        });
      }),
    );
  });

  it('lets a member see its own group only, and the SQL visibility agree with canSeeGroup', () => {
    fc.assert(
      fc.property(scenarioArb, ({ nodes, memberships }) => {
        const principal = principalOf(nodes, memberships);
        const visibility = groupVisibility(principal);
        nodes.forEach((node, i) => {
          const expected =
            isIsvAdmin(principal) ||
            memberships.some((m) =>
              m.role === 'admin' ? isDescendantOrSelf(nodes, i, m.node) : m.node === i,
            );
          expect(canSeeGroup(principal, node)).toBe(expected);
          expect(visible(visibility, node)).toBe(expected);
        });
      }),
    );
  });

  it('lets an admin change a user only when it manages every group of that user', () => {
    fc.assert(
      fc.property(scenarioArb, fc.array(fc.nat(), { maxLength: 3 }), ({ nodes, memberships }, userGroups) => {
        const principal = principalOf(nodes, memberships);
        const paths = userGroups.map((g) => (nodes[g % nodes.length] as Node).path);
        const expected =
          isIsvAdmin(principal) ||
          (paths.length > 0 && paths.every((path) => canManageGroup(principal, { path })));
        expect(canManageUser(principal, paths)).toBe(expected);
      }),
    );
  });

  it('expands scopes along their implications', () => {
    expect(expandScopes(['admin'])).toEqual(['read', 'write', 'admin']);
    expect(expandScopes(['write'])).toEqual(['read', 'write']);
    expect(expandScopes(['read'])).toEqual(['read']);
  });
});
