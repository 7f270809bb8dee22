// Fuzzing: 10,000 random mutations of valid context and update files. Every mutant is refused with a
// TesseraError that says what is wrong — no crash, no other exception type, no change to the container.

import {
  applyUpdate,
  type ContainerState,
  canonicalJson,
  isTesseraError,
  makeContext,
  openContext,
} from '@tessera/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aContainer, addLicense, aFirm, aLicense, anUpdate, T0 } from './builders.js';

type Mutation =
  | { kind: 'replace'; at: number; char: number }
  | { kind: 'insert'; at: number; char: number }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'duplicate'; at: number; length: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'swapLines'; a: number; b: number }
  | { kind: 'field'; path: number; value: fc.JsonValue }
  | { kind: 'resign'; field: 'kind' | 'keyId' | 'key' | 'signature' | 'format' };

const PRINTABLE =
  ' !"#$%&\'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~\n\u00e9\u0000';

const mutationArbitrary: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), char: fc.nat(PRINTABLE.length - 1) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), char: fc.nat(PRINTABLE.length - 1) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
  fc.record({
    kind: fc.constant('duplicate' as const),
    at: fc.nat(),
    length: fc.integer({ min: 1, max: 80 }),
  }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('swapLines' as const), a: fc.nat(), b: fc.nat() }),
  fc.record({ kind: fc.constant('field' as const), path: fc.nat(), value: fc.jsonValue({ maxDepth: 2 }) }),
  fc.record({
    kind: fc.constantFrom('resign' as const),
    field: fc.constantFrom('kind', 'keyId', 'key', 'signature', 'format') as fc.Arbitrary<
      'kind' | 'keyId' | 'key' | 'signature' | 'format'
    >,
  }),
);

const armorBody = (text: string) => text.trim().split('\n').slice(1, -1).join('');
const rearmor = (text: string, envelope: unknown) => {
  const lines = text.trim().split('\n');
  const body = Buffer.from(canonicalJson(envelope))
    .toString('base64url')
    .match(/.{1,64}/g)
    ?.join('\n');
  return `${lines[0]}\n${body}\n${lines[lines.length - 1]}\n`;
};

/** Every leaf path of a JSON value, so a field mutation can target any of them. */
const leafPaths = (value: unknown, prefix: (string | number)[] = []): (string | number)[][] => {
  if (value === null || typeof value !== 'object') return [prefix];
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
  return entries.flatMap(([k, v]) => leafPaths(v, [...prefix, k]));
};

const mutate = (text: string, mutation: Mutation): string => {
  const pick = (n: number) => n % Math.max(1, text.length);
  switch (mutation.kind) {
    case 'replace': {
      const at = pick(mutation.at);
      return text.slice(0, at) + PRINTABLE[mutation.char] + text.slice(at + 1);
    }
    case 'insert': {
      const at = pick(mutation.at);
      return text.slice(0, at) + PRINTABLE[mutation.char] + text.slice(at);
    }
    case 'delete': {
      const at = pick(mutation.at);
      return text.slice(0, at) + text.slice(at + mutation.length);
    }
    case 'duplicate': {
      const at = pick(mutation.at);
      return text.slice(0, at) + text.slice(at, at + mutation.length) + text.slice(at);
    }
    case 'truncate':
      return text.slice(0, pick(mutation.at));
    case 'swapLines': {
      const lines = text.split('\n');
      const a = mutation.a % lines.length;
      const b = mutation.b % lines.length;
      [lines[a], lines[b]] = [lines[b] as string, lines[a] as string];
      return lines.join('\n');
    }
    case 'field': {
      // Change one field of the signed payload and re-encode it, keeping the original signature.
      const envelope = JSON.parse(Buffer.from(armorBody(text), 'base64url').toString('utf8'));
      const payload = JSON.parse(Buffer.from(envelope.payload, 'base64url').toString('utf8'));
      const paths = leafPaths(payload);
      const path = paths[mutation.path % paths.length] as (string | number)[];
      let target = payload;
      for (const key of path.slice(0, -1)) target = target[key];
      target[path[path.length - 1] as string] = mutation.value;
      envelope.payload = Buffer.from(canonicalJson(payload)).toString('base64url');
      return rearmor(text, envelope);
    }
    case 'resign': {
      const envelope = JSON.parse(Buffer.from(armorBody(text), 'base64url').toString('utf8'));
      const replacements = {
        kind: envelope.kind === 'update' ? 'context' : 'update',
        keyId: 'AAAAAAAAAAAAAAAAAAAAAA',
        key: 'A'.repeat(43),
        signature: 'A'.repeat(86),
        format: 'tessera/2',
      };
      envelope[mutation.field] = replacements[mutation.field];
      return rearmor(text, envelope);
    }
  }
};

const normalize = (text: string) => text.replace(/\r\n?/g, '\n').trim();

const deepFreeze = <T>(value: T): T => {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
};

const expectClearRefusal = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    expect(isTesseraError(error), `not a TesseraError: ${String(error)}`).toBe(true);
    if (isTesseraError(error)) {
      expect(error.code).toMatch(/^[a-z_]+$/);
      expect(error.message.length).toBeGreaterThan(10);
    }
    return;
  }
  throw new Error('a mutated document was accepted');
};

describe('fuzzing the document parsers', () => {
  const firm = aFirm();
  const serial = '130-100000001';
  const { state: empty, key } = aContainer(serial);
  const first = aLicense(firm, serial, {
    ticketLicenseId: 'tl-1',
    options: { expirationTime: '2027-01-01T00:00:00.000Z', featureMap: 7 },
  });
  const second = aLicense(firm, serial, {
    ticketLicenseId: 'tl-2',
    productCode: 1002,
    modules: [{ productCode: 3, featureMap: 1, text: 'm' }],
  });
  const step1 = { fromFuc: 0, toFuc: 1, operations: [addLicense(first)] };
  const step2 = {
    fromFuc: 1,
    toFuc: 2,
    operations: [addLicense(second), { op: 'write_honeypot' as const, marker: 'x' }],
  };
  const container: ContainerState = deepFreeze(applyUpdate(empty, anUpdate(firm, serial, [step1])).state);
  const update = anUpdate(firm, serial, [step1, step2], { nonce: 'nonce-0123456789ab' });
  const context = makeContext(container, key, { nonce: 'nonce-0123456789ab', now: T0 });

  it('the unmutated documents are valid', () => {
    expect(applyUpdate(container, update).result.toFuc).toBe(2);
    expect(openContext(context).context.serial).toBe(serial);
  });

  it('refuses 5,000 mutated update files with a clear error and leaves the container untouched', () => {
    let mutants = 0;
    fc.assert(
      fc.property(mutationArbitrary, (mutation) => {
        const mutant = mutate(update, mutation);
        fc.pre(normalize(mutant) !== normalize(update));
        mutants++;
        // A frozen state would throw a TypeError on any write, so a refusal also proves nothing was changed.
        expectClearRefusal(() => applyUpdate(container, mutant));
      }),
      { numRuns: 5_000 },
    );
    expect(mutants).toBeGreaterThan(4_500);
  });

  it('refuses 5,000 mutated context files with a clear error', () => {
    let mutants = 0;
    fc.assert(
      fc.property(mutationArbitrary, (mutation) => {
        const mutant = mutate(context, mutation);
        fc.pre(normalize(mutant) !== normalize(context));
        mutants++;
        expectClearRefusal(() => openContext(mutant));
      }),
      { numRuns: 5_000 },
    );
    expect(mutants).toBeGreaterThan(4_500);
  });
});
