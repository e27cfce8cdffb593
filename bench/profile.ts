// `node --import tsx bench/profile.ts history|post`: CPU-profiles the Slack twin under one load and prints where its time goes.
// tsx puts each transformed module on one line, so the report names functions and files, not lines.

import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { firstLine, LOAD, load, progress, ROOT, stopChild } from './lib.ts';
import { postBody, slackFixture } from './slack-fixture.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

const which = process.argv[2] === 'post' ? 'post' : 'history';
const dir = mkdtempSync(join(tmpdir(), 'twins-profile-'));
const child = spawn(process.execPath, ['--cpu-prof', '--cpu-prof-dir', dir, '--import', 'tsx', 'bench/servers/slack.ts'], {
  cwd: ROOT,
  stdio: ['ignore', 'pipe', 'inherit'],
});
const url = (JSON.parse(await firstLine(child, 15_000)) as { url: string }).url;
const { token, channel } = await slackFixture(fetch, url);
const form = { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' };
for (let i = 0; i < 50; i++) {
  await fetch(`${url}/api/chat.postMessage`, { method: 'POST', headers: form, body: postBody(channel, `seed ${i}`) });
}
LOAD.warmup = 1;
if (which === 'history') {
  await load('conversations.history', {
    url: `${url}/api/conversations.history?channel=${channel}&limit=20`,
    headers: { authorization: `Bearer ${token}` },
  });
} else {
  await load('chat.postMessage', {
    url: `${url}/api/chat.postMessage`,
    method: 'POST',
    headers: form,
    body: postBody(channel, 'bench [<id>]'),
    idReplacement: true,
  });
}
await stopChild(child);

// The main thread's profile is the largest; tsx's loader thread writes a small one too.
const files = readdirSync(dir).map((f) => join(dir, f));
const main = files.map((f) => ({ f, size: readFileSync(f).length })).sort((a, b) => b.size - a.size)[0].f;
const profile = JSON.parse(readFileSync(main, 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const root = fileURLToPath(ROOT);
const name = (n: ProfileNode) =>
  `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace('file://', '').replace(root, '') || '(native)'}`;
const self = new Map<string, number>();
const inclusive = new Map<string, number>();
let total = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  total += dt;
  const node = nodes.get(id);
  if (!node) return;
  self.set(name(node), (self.get(name(node)) ?? 0) + dt);
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const key = name(nodes.get(cur) as ProfileNode);
    if (!seen.has(key)) inclusive.set(key, (inclusive.get(key) ?? 0) + dt);
    seen.add(key);
  }
});
const top = (m: Map<string, number>, n: number, keep: (k: string) => boolean = () => true) =>
  [...m]
    .filter(([k]) => keep(k))
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, v]) => `${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`)
    .join('\n');
progress(`profile of the whole server process (start-up included): ${main}`);
process.stdout.write(`Self time, top 25:\n${top(self, 25)}\n\nInclusive time in src/ and twins/, top 30:\n`);
process.stdout.write(`${top(inclusive, 30, (k) => / (src|twins)\//.test(k))}\n`);
