// Summarises a V8 CPU profile (`node --cpu-prof`) the way the activation benchmark's analysis needs it: time by
// package or source file, by function (self time), and — with --inclusive — time spent inside each function,
// optionally only for functions matching a pattern. Only the last --last seconds count (the benchmark's window;
// profiles also cover start-up and ticket creation).
//
//   TESSERA_CENTRAL_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" npx tsx bench/activation.ts --dialect sqlite
//   npx tsx bench/cpu-profile.ts /tmp/prof/CPU.*.cpuprofile --last 9 [--top 40] [--inclusive 'server:|core:']
//
// Shares are of wall-clock samples: on a busy machine a thread descheduled inside a system call is still sampled
// there, so compare shares within one profile rather than milliseconds across profiles.

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    last: { type: 'string' },
    top: { type: 'string', default: '30' },
    inclusive: { type: 'string' },
  },
});
const file = positionals[0];
if (!file) {
  console.error('usage: cpu-profile.ts PROFILE [--last SECONDS] [--top N] [--inclusive REGEX]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const top = Number(values.top);

const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parentOf = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);

/** A node_modules package, a Tessera package's source file, or Node's own module. */
const placeOf = (url: string): string => {
  if (!url) return '(native)';
  const dependency = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(url);
  if (dependency?.[1]) return dependency[1];
  const own = /packages\/([^/]+)\/(?:dist|src)\/(.*)/.exec(url);
  if (own) return `${own[1]}:${own[2]}`;
  return url.replace(/^.*\//, '');
};
const nameOf = (id: number): string => {
  const frame = byId.get(id)?.callFrame;
  return frame ? `${frame.functionName || '(anonymous)'} ${placeOf(frame.url)}:${frame.lineNumber}` : '?';
};

// Sample times, and the window that counts: the last --last seconds, ending half a second before the profile
// ends (the benchmark's shutdown).
const times: number[] = [];
let clock = profile.startTime;
for (const delta of profile.timeDeltas) {
  clock += delta;
  times.push(clock);
}
const end = (times[times.length - 1] ?? 0) - 500_000;
const start = values.last ? end - Number(values.last) * 1e6 : Number.NEGATIVE_INFINITY;

const self = new Map<string, number>();
const places = new Map<string, number>();
const inclusive = new Map<string, number>();
const pattern = values.inclusive ? new RegExp(values.inclusive) : undefined;
let total = 0;
profile.samples.forEach((sample, index) => {
  const at = times[index] ?? 0;
  if (at < start || at > end) return;
  const spent = profile.timeDeltas[index] ?? 0;
  total += spent;
  const name = nameOf(sample);
  self.set(name, (self.get(name) ?? 0) + spent);
  const place = placeOf(byId.get(sample)?.callFrame.url ?? '');
  places.set(place, (places.get(place) ?? 0) + spent);
  if (pattern) {
    const seen = new Set<string>();
    for (let id: number | undefined = sample; id !== undefined; id = parentOf.get(id)) {
      const frame = nameOf(id);
      if (seen.has(frame) || !pattern.test(frame)) continue;
      seen.add(frame);
      inclusive.set(frame, (inclusive.get(frame) ?? 0) + spent);
    }
  }
});

const print = (title: string, table: Map<string, number>) => {
  console.log(`— ${title}`);
  for (const [key, spent] of [...table].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(
      `${((100 * spent) / total).toFixed(1).padStart(5)} %  ${(spent / 1000).toFixed(0).padStart(7)} ms  ${key}`,
    );
  }
};
console.log(`${(total / 1e6).toFixed(1)} s of samples${values.last ? ` (the last ${values.last} s)` : ''}`);
print('by package or file (self time)', places);
print('by function (self time)', self);
if (pattern) print(`inside functions matching ${pattern} (inclusive)`, inclusive);
