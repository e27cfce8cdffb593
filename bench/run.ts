// `npm run bench`: throughput of the Slack twin against bare fastify, `twins up` start time and memory under 100k messages; writes bench/RESULTS.md.

import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { LOAD, type LoadResult, load, progress, ROOT, startServer } from './lib.ts';
import { postBody, slackFixture } from './slack-fixture.ts';
import { measureStartup, type StartupResult } from './startup.ts';

const MESSAGES = 100_000;
const TARGETS = { ratio: 0.5, startupMs: 1000, rssMb: 300 };

interface MemoryResult {
  messages: number;
  stored: number;
  postMs: number;
  before: MemorySample;
  after: MemorySample;
  idle: MemorySample;
  idleMs: number;
}

interface MemorySample {
  rss: number;
  heapTotal: number;
  heapUsed: number;
}

interface BareResult {
  get: LoadResult;
  post: LoadResult;
  /** The twin's own history page and postMessage answer, served by bare fastify. */
  history: LoadResult;
  postSame: LoadResult;
}

async function bare(answers: CapturedAnswers): Promise<BareResult> {
  progress('bare fastify: starting');
  const file = join(fileURLToPath(ROOT), 'bench', '.tmp', 'answers.json');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(answers));
  const server = await startServer('bench/servers/bare.ts', [file]);
  const pid = server.child.pid;
  const jsonPost = {
    method: 'POST' as const,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ channel: 'C0BENCH01', text: 'hello from the benchmark' }),
  };
  try {
    const get = await load('bare GET small JSON', { url: `${server.url}/json` }, pid);
    const post = await load('bare POST small JSON', { url: `${server.url}/json`, ...jsonPost }, pid);
    const history = await load("bare GET, the twin's history page", { url: `${server.url}/history` }, pid);
    const postSame = await load("bare POST, the twin's postMessage answer", { url: `${server.url}/post`, ...jsonPost }, pid);
    return { get, post, history, postSame };
  } finally {
    await server.stop();
  }
}

interface CapturedAnswers {
  history: { headers: Record<string, string>; body: unknown };
  post: { headers: Record<string, string>; body: unknown };
}

/** An answer's body and the headers that matter for its size (not the ones fastify sets itself). */
async function capture(res: Response): Promise<{ headers: Record<string, string>; body: unknown }> {
  const skip = new Set(['content-length', 'date', 'connection', 'keep-alive', 'content-type']);
  const headers = Object.fromEntries([...res.headers.entries()].filter(([k]) => !skip.has(k)));
  return { headers, body: await res.json() };
}

async function slack(): Promise<{ history: LoadResult; post: LoadResult; pageBytes: number; answers: CapturedAnswers }> {
  progress('slack twin: starting');
  const server = await startServer('bench/servers/slack.ts');
  try {
    const { token, channel } = await slackFixture(fetch, server.url);
    const auth = { authorization: `Bearer ${token}` };
    const form = { ...auth, 'content-type': 'application/x-www-form-urlencoded' };
    // A full page for history to return: at least `limit` messages in the channel.
    for (let i = 0; i < 50; i++) {
      await expectOk(fetch(`${server.url}/api/chat.postMessage`, { method: 'POST', headers: form, body: postBody(channel, `seed ${i}`) }));
    }
    const historyUrl = `${server.url}/api/conversations.history?channel=${channel}&limit=20`;
    const historyAnswer = await capture(await fetch(historyUrl, { headers: auth }));
    const page = historyAnswer.body as { ok: boolean; messages: unknown[] };
    if (!page.ok || page.messages.length !== 20) throw new Error('conversations.history did not return a full page of 20');
    const pageBytes = JSON.stringify(page).length;
    const history = await load('conversations.history', { url: historyUrl, headers: auth }, server.child.pid);
    await expectOk(fetch(historyUrl, { headers: auth }));

    const postUrl = `${server.url}/api/chat.postMessage`;
    const postAnswer = await capture(await fetch(postUrl, { method: 'POST', headers: form, body: postBody(channel, 'bench message [0]') }));
    const post = await load(
      'chat.postMessage',
      {
        url: postUrl,
        method: 'POST',
        headers: form,
        body: postBody(channel, 'bench message [<id>]'),
        idReplacement: true,
      },
      server.child.pid,
    );
    await expectOk(fetch(postUrl, { method: 'POST', headers: form, body: postBody(channel, 'after the load') }));
    return { history, post, pageBytes, answers: { history: historyAnswer, post: postAnswer } };
  } finally {
    await server.stop();
  }
}

/** Slack answers errors with 200 too, so load runs are bracketed by calls that must say ok:true. */
async function expectOk(res: Promise<Response>): Promise<Record<string, unknown>> {
  const body = (await (await res).json()) as Record<string, unknown>;
  if (body.ok !== true) throw new Error(`Slack twin answered ${JSON.stringify(body)}`);
  return body;
}

function memory(): MemoryResult {
  progress(`memory: posting ${MESSAGES.toLocaleString('en')} messages in a child process`);
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', 'bench/memory.ts', String(MESSAGES)], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (r.status !== 0) throw new Error(`bench/memory.ts failed with ${r.status ?? r.signal}`);
  return JSON.parse(r.stdout) as MemoryResult;
}

// ---------------------------------------------------------------------------------------------
// RESULTS.md

const mb = (bytes: number) => bytes / 1024 / 1024;
const fmt = (n: number, digits = 0) => n.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const verdict = (ok: boolean) => (ok ? '**PASS**' : '**MISS**');

interface Results {
  bare: Awaited<ReturnType<typeof bare>>;
  slack: Awaited<ReturnType<typeof slack>>;
  startup: StartupResult;
  mem: MemoryResult;
  seconds: number;
  load: { before: number[]; after: number[] };
}

function report(r: Results): string {
  const historyRatio = r.slack.history.rps / r.bare.history.rps;
  const postRatio = r.slack.post.rps / r.bare.postSame.rps;
  const rssMb = mb(r.mem.after.rss);
  const cpu = (x: LoadResult) => (x.cpuUs === undefined ? 'n/a' : fmt(x.cpuUs));
  const row = (name: string, x: LoadResult) => `| ${name} | ${fmt(x.rps)} | ${x.p50} | ${x.p99} | ${cpu(x)} | ${fmt(x.total)} |`;
  const cpuRatio = (twin: LoadResult, base: LoadResult) =>
    twin.cpuUs && base.cpuUs ? `; server CPU per request ${fmt(twin.cpuUs / base.cpuUs, 1)}× the baseline's` : '';
  const phaseRows = (p: Record<string, number>) =>
    Object.entries(p)
      .filter(([k]) => k !== 'total')
      .map(([k, v]) => `| ${k} | ${fmt(v)} |`);
  const memRow = (label: string, m: MemorySample) => `| ${label} | ${fmt(mb(m.rss))} | ${fmt(mb(m.heapTotal))} | ${fmt(mb(m.heapUsed))} |`;
  const cpus = os.cpus();
  const loads = (l: number[]) => l.map((x) => fmt(x, 2)).join(' / ');
  return `# Benchmark results

Written by \`npm run bench\` (bench/run.ts) on ${new Date().toISOString().slice(0, 10)}; every run overwrites it.
Method and how to read these figures: [docs/benchmarks.md](../docs/benchmarks.md).

Machine: ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${cpus.length} cores, ${fmt(mb(os.totalmem()) / 1024, 1)} GB RAM, ${os.platform()} ${os.release()}, Node ${process.version}.
Load average (1/5/15 min) at the start ${loads(r.load.before)}, at the end ${loads(r.load.after)}: much above 1 means something else shared the cores.
Load: autocannon, ${LOAD.connections} connections, ${LOAD.duration} s measured after a ${LOAD.warmup} s warm-up, each server alone in its own process on 127.0.0.1. Whole run: ${fmt(r.seconds)} s.

## Targets

| Measure | Result | Target | Verdict |
| --- | --- | --- | --- |
| conversations.history req/s ÷ bare fastify GET (same answer) req/s | ${fmt(historyRatio, 2)} | ≥ ${TARGETS.ratio} | ${verdict(historyRatio >= TARGETS.ratio)} |
| chat.postMessage req/s ÷ bare fastify schema-validated POST (same answer) req/s | ${fmt(postRatio, 2)} | ≥ ${TARGETS.ratio} | ${verdict(postRatio >= TARGETS.ratio)} |
| \`twins up slack\` start to healthy (median of ${r.startup.runs.length}) | ${fmt(r.startup.median)} ms | ≤ ${TARGETS.startupMs} ms | ${verdict(r.startup.median <= TARGETS.startupMs)} |
| Resident memory after ${fmt(r.mem.messages)} messages | ${fmt(rssMb)} MB | ≤ ${TARGETS.rssMb} MB | ${verdict(rssMb <= TARGETS.rssMb)} |

## Throughput and latency

| Server and call | req/s (mean) | p50 ms | p99 ms | server CPU µs/request | requests |
| --- | ---: | ---: | ---: | ---: | ---: |
${row('Slack twin: GET conversations.history (limit 20)', r.slack.history)}
${row("bare fastify: GET answering the twin's history page and headers", r.bare.history)}
${row('Slack twin: POST chat.postMessage (form)', r.slack.post)}
${row("bare fastify: POST, schema-validated JSON, answering the twin's postMessage answer and headers", r.bare.postSame)}
${row('bare fastify: GET small JSON (context)', r.bare.get)}
${row('bare fastify: POST small JSON, schema-validated (context)', r.bare.post)}

- The targets compare like with like: each bare route answers exactly what the twin answered (the history page is ${fmt(r.slack.pageBytes)} bytes; postMessage's answer carries the message and Slack's scope headers), so the ratio measures what the twin's pipeline costs, not the size of Slack's answers. Against the few-dozen-byte routes the ratios would be ${fmt(r.slack.history.rps / r.bare.get.rps, 2)} (history) and ${fmt(r.slack.post.rps / r.bare.post.rps, 2)} (postMessage); bare fastify itself manages ${fmt(r.bare.history.rps / r.bare.get.rps, 2)} and ${fmt(r.bare.postSame.rps / r.bare.post.rps, 2)} of its small routes when it sends the twin's answers.
- History vs bare: ${fmt(historyRatio, 2)} of the req/s${cpuRatio(r.slack.history, r.bare.history)}. postMessage vs bare: ${fmt(postRatio, 2)}${cpuRatio(r.slack.post, r.bare.postSame)}.
- The Slack twin runs with rate limits off. History reads a channel of 50+ messages; postMessage appends to one channel, so its state grows during the run.
- Server CPU per request comes from /proc and does not move when other processes compete for the cores; req/s does.

## \`twins up\` start-up

Runs (ms): ${r.startup.runs.map((x) => fmt(x)).join(', ')}; median ${fmt(r.startup.median)} ms, from spawning \`bin/twins up slack --port 0 --json\` (the launcher npm links as \`twins\`) to its JSON line on stdout and a 200 from \`/_twin/health\`; each run then gets SIGTERM and must exit 0, which took ${fmt(r.startup.stopMedian)} ms (median).
With tsx's transform cache disabled (\`TSX_DISABLE_CACHE=1\`, like a first start in a fresh container): ${fmt(r.startup.coldCache)} ms.
For scale: \`node -e 0\` takes ${fmt(r.startup.bareNode)} ms and \`node --import tsx -e 0\` ${fmt(r.startup.nodeWithTsx)} ms (median of 3).

Where the time goes, in one fresh process (\`node --import tsx bench/phases.ts\`, warm tsx cache):

| Step | ms |
| --- | ---: |
${phaseRows(r.startup.phases).join('\n')}
| **total (from process start)** | **${fmt(r.startup.phases.total)}** |

createKernel's parts, each timed cold in another fresh process (\`bench/phases.ts pieces\`):

| Step | ms |
| --- | ---: |
${phaseRows(r.startup.pieces).join('\n')}

## Memory

One kernel in one process (\`node --expose-gc\`), ${fmt(r.mem.messages)} form-encoded chat.postMessage calls to one channel through \`kernel.handle\` (the pipeline the HTTP adapter uses, minus the socket), then two forced GCs. The target is judged on the RSS right after them; V8 returns freed pages to the system only after a while, so the idle row shows what a twin holds between trials. Both move by tens of MB from run to run.

| | RSS MB | V8 heap committed MB | V8 heap used MB |
| --- | ---: | ---: | ---: |
${memRow('after start-up and seeding', r.mem.before)}
${memRow(`after ${fmt(r.mem.messages)} messages`, r.mem.after)}
${memRow(`the same, ${fmt(r.mem.idleMs / 1000)} s idle later`, r.mem.idle)}

The ${fmt(r.mem.messages)} posts took ${fmt(r.mem.postMs / 1000, 1)} s (${fmt(r.mem.messages / (r.mem.postMs / 1000))} posts/s in-process); the channel then held ${fmt(r.mem.stored)} messages.
`;
}

const started = performance.now();
const loadBefore = os.loadavg();
const slackResult = await slack();
const bareResult = await bare(slackResult.answers);
const startup = await measureStartup(5);
const mem = memory();
const seconds = (performance.now() - started) / 1000;
const text = report({ bare: bareResult, slack: slackResult, startup, mem, seconds, load: { before: loadBefore, after: os.loadavg() } });
writeFileSync(new URL('RESULTS.md', import.meta.url), text);
progress(`done in ${Math.round(seconds)} s; wrote bench/RESULTS.md`);
process.stdout.write(text);
