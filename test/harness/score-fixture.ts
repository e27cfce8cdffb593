// Shared set-up of the scoring tests: the sample task's holdouts sealed into a temporary vault with a temporary identity, around a nonce.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addScenarios, initVault } from '../../src/vault/index.ts';
import { holdoutFeatures } from '../fixtures/tasks/sample/holdouts.ts';

export const ROOT = new URL('../../', import.meta.url).pathname;
/** The sample task, by path (its id is `sample`). */
export const SAMPLE = join(ROOT, 'test/fixtures/tasks/sample');

export interface SealedSample {
  /** A temporary folder for the test; removed by cleanup(). */
  work: string;
  vault: string;
  identity: string;
  /** In every holdout's feature and scenario names: searched for to prove nothing leaked. */
  nonce: string;
  /** Holdout scenarios sealed. */
  scenarios: number;
  /** Flags that point a `twins` command at this vault and identity. */
  flags: string[];
  cleanup(): void;
}

/** Seal the sample task's holdouts (and `extra` features) into a fresh vault, as `twins scenarios add --holdout` does. */
export async function sealedSample(extra: { name: string; text: string }[] = []): Promise<SealedSample> {
  const work = mkdtempSync(join(tmpdir(), 'twins-score-test-'));
  const vault = join(work, 'vault');
  const identity = join(work, 'keys', 'identity.txt');
  const nonce = `nonce${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`;
  await initVault({ vaultDir: vault, identityPath: identity });
  const features = [...holdoutFeatures(nonce), ...extra];
  const files = features.map((h) => {
    const p = join(work, h.name);
    writeFileSync(p, h.text);
    return p;
  });
  await addScenarios({ files, task: 'sample', holdout: true, vaultDir: vault, cwd: work, removeSource: true });
  const scenarios = features.reduce((n, h) => n + (h.text.match(/^\s*Scenario:/gm)?.length ?? 0), 0);
  return {
    work,
    vault,
    identity,
    nonce,
    scenarios,
    flags: ['--vault', vault, '--identity', identity],
    cleanup: () => rmSync(work, { recursive: true, force: true }),
  };
}

/**
 * A `command:` agent that writes a small app answering "ping" with "pong" in its thread, retrying a
 * rate-limited call, but ignoring pings inside threads: it passes the sample's rate-limit and scope
 * holdouts and fails the thread one, every time. Written with base64 so the command needs no quoting.
 */
export function partialAgent(): string {
  const app = `import { createServer } from 'node:http';
const API = (process.env.SLACK_API_URL ?? '').replace(/\\/?$/, '/');
async function post(args) {
  for (let i = 0; i < 5; i++) {
    const res = await fetch(API + 'chat.postMessage', {
      method: 'POST',
      headers: { authorization: 'Bearer ' + process.env.SLACK_BOT_TOKEN, 'content-type': 'application/json' },
      body: JSON.stringify(args),
    });
    if (res.status !== 429) return;
    await new Promise((r) => setTimeout(r, 1000 * (Number(res.headers.get('retry-after')) || 1)));
  }
}
createServer((req, res) => {
  let raw = '';
  req.on('data', (c) => { raw += c; });
  req.on('end', () => {
    if (req.url === '/health') return res.end('ok');
    let body = {};
    try { body = JSON.parse(raw); } catch {}
    res.setHeader('content-type', 'application/json');
    if (body.type === 'url_verification') return res.end(JSON.stringify({ challenge: body.challenge }));
    res.end('{}');
    const ev = body.event ?? {};
    if (ev.type !== 'message' || ev.bot_id || ev.subtype || ev.thread_ts || (ev.text ?? '').trim().toLowerCase() !== 'ping') return;
    post({ channel: ev.channel, thread_ts: ev.ts, text: 'pong' }).catch(() => {});
  });
}).listen(Number(process.env.PORT), '127.0.0.1');
`;
  const pkg = JSON.stringify({ name: 'partial', private: true, type: 'module', scripts: { start: 'node app.mjs' } });
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  return `command:echo ${b64(app)} | base64 -d > app.mjs && echo ${b64(pkg)} | base64 -d > package.json`;
}
