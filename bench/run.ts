// `npm run bench`: throughput of the Slack, Okta and Jira twins against bare fastify, `twins up` start time and memory; writes bench/RESULTS.md (`-- okta jira`: only those).

import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { benchHarness, type HarnessBench } from './harness.ts';
import { LOAD, type LoadResult, load, progress, ROOT, startServer } from './lib.ts';
import { postBody, slackFixture } from './slack-fixture.ts';
import { measureStartup, type StartupResult } from './startup.ts';
import { benchJira, benchOkta, type JiraBench, type OktaBench, twinsSection, twinTargetRows } from './twins.ts';

const MESSAGES = 100_000;
const TARGETS = { ratio: 0.5, startupMs: 300, allTwinsMs: 500, idleRssMb: 100, rssMb: 300 };

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

const ROUNDS = 3;

/** An answer's body and the headers that matter for its size (not the ones fastify sets itself). */
async function capture(res: Response): Promise<{ headers: Record<string, string>; body: unknown }> {
  const skip = new Set(['content-length', 'date', 'connection', 'keep-alive', 'content-type']);
  const headers = Object.fromEntries([...res.headers.entries()].filter(([k]) => !skip.has(k)));
  return { headers, body: await res.json() };
}

interface Round {
  twinHistory: LoadResult;
  bareHistory: LoadResult;
  twinPost: LoadResult;
  barePost: LoadResult;
}

interface Throughput {
  rounds: Round[];
  /** Small answers, for context. */
  smallGet: LoadResult;
  smallPost: LoadResult;
  /** The twins' fastify adapter with a stub kernel answering the twin's postMessage answer: what the adapter costs. */
  adapterStub: LoadResult;
  pageBytes: number;
}

/**
 * Twin and bare server run side by side; each round measures the twin, then bare fastify
 * sending the twin's own answer, for history and then for postMessage. Alternating rounds keep a
 * slow minute on a shared machine from landing on one side only; ratios are medians over rounds.
 */
async function throughput(): Promise<Throughput> {
  progress('slack twin: starting');
  const twin = await startServer('bench/servers/slack.ts');
  let bare: Awaited<ReturnType<typeof startServer>> | undefined;
  try {
    const { token, channel } = await slackFixture(fetch, twin.url);
    const auth = { authorization: `Bearer ${token}` };
    const form = { ...auth, 'content-type': 'application/x-www-form-urlencoded' };
    // A full page for history to return: at least `limit` messages in the channel.
    for (let i = 0; i < 50; i++) {
      await expectOk(fetch(`${twin.url}/api/chat.postMessage`, { method: 'POST', headers: form, body: postBody(channel, `seed ${i}`) }));
    }
    const historyUrl = `${twin.url}/api/conversations.history?channel=${channel}&limit=20`;
    const historyAnswer = await capture(await fetch(historyUrl, { headers: auth }));
    const page = historyAnswer.body as { ok: boolean; messages: unknown[] };
    if (!page.ok || page.messages.length !== 20) throw new Error('conversations.history did not return a full page of 20');
    const postUrl = `${twin.url}/api/chat.postMessage`;
    const postAnswer = await capture(await fetch(postUrl, { method: 'POST', headers: form, body: postBody(channel, 'bench message [0]') }));

    progress("bare fastify: starting, with the twin's answers");
    const file = join(fileURLToPath(ROOT), 'bench', '.tmp', 'answers.json');
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify({ history: historyAnswer, post: postAnswer }));
    bare = await startServer('bench/servers/bare.ts', [file]);
    const jsonPost = {
      method: 'POST' as const,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ channel: 'C0BENCH01', text: 'hello from the benchmark' }),
    };
    const rounds: Round[] = [];
    for (let i = 1; i <= ROUNDS; i++) {
      const twinHistory = await load(
        `round ${i}/${ROUNDS}: twin conversations.history`,
        { url: historyUrl, headers: auth },
        twin.child.pid,
      );
      await expectOk(fetch(historyUrl, { headers: auth }));
      const bareHistory = await load(`round ${i}/${ROUNDS}: bare, the twin's history page`, { url: `${bare.url}/history` }, bare.child.pid);
      const twinPost = await load(
        `round ${i}/${ROUNDS}: twin chat.postMessage`,
        { url: postUrl, method: 'POST', headers: form, body: postBody(channel, `bench message ${i} [<id>]`), idReplacement: true },
        twin.child.pid,
      );
      await expectOk(fetch(postUrl, { method: 'POST', headers: form, body: postBody(channel, 'after the load') }));
      const barePost = await load(
        `round ${i}/${ROUNDS}: bare, the twin's postMessage answer`,
        { url: `${bare.url}/post`, ...jsonPost },
        bare.child.pid,
      );
      rounds.push({ twinHistory, bareHistory, twinPost, barePost });
    }
    const smallGet = await load('bare GET small JSON (context)', { url: `${bare.url}/json` }, bare.child.pid);
    const smallPost = await load('bare POST small JSON (context)', { url: `${bare.url}/json`, ...jsonPost }, bare.child.pid);
    const stubServer = await startServer('bench/servers/adapter-stub.ts', [file]);
    let adapterStub: LoadResult;
    try {
      adapterStub = await load(
        'adapter with a stub kernel (context)',
        { url: `${stubServer.url}/api/chat.postMessage`, method: 'POST', headers: form, body: postBody(channel, 'x') },
        stubServer.child.pid,
      );
    } finally {
      await stubServer.stop();
    }
    return { rounds, smallGet, smallPost, adapterStub, pageBytes: JSON.stringify(page).length };
  } finally {
    await Promise.all([twin.stop(), bare?.stop()]);
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** The median of each figure over rounds (for the table; ratios take the median of per-round ratios). */
function medianLoad(xs: LoadResult[]): LoadResult {
  const cpu = xs.map((x) => x.cpuUs).filter((x): x is number => x !== undefined);
  return {
    rps: median(xs.map((x) => x.rps)),
    p50: median(xs.map((x) => x.p50)),
    p99: median(xs.map((x) => x.p99)),
    total: xs.reduce((a, x) => a + x.total, 0),
    cpuUs: cpu.length ? median(cpu) : undefined,
  };
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
  tp: Throughput;
  startup: StartupResult;
  mem: MemoryResult;
  harness: HarnessBench;
  okta: OktaBench;
  jira: JiraBench;
  seconds: number;
  load: { before: number[]; after: number[] };
}

/** The start-up section of RESULTS.md; `--startup-only` rewrites just this section. */
function startupSection(s: StartupResult): string {
  const phaseRows = (p: Record<string, number>) =>
    Object.entries(p)
      .filter(([k]) => k !== 'total')
      .map(([k, v]) => `| ${k} | ${fmt(v)} |`);
  const ratio = (ms: number) => fmt(ms / s.bareNode, 1);
  return `## \`twins up\` start-up

Measured from the package as a user gets it: \`npm run build\`, \`npm pack\`, \`npm install\` of the tarball (${s.packageName}) into an empty folder (bench/.tmp/package/app; ${s.install.map((x) => `${x.step} ${fmt(x.ms / 1000, 1)} s`).join(', ')}), then its \`node_modules/.bin/twins\`, runs interleaved with \`node -e 0\` so a busy moment hits both.
The runs below start with the V8 code cache (bin/code-cache.js) that the first start after the install left${s.codeCache ? '' : ' (NOT written this time: these runs compiled the bundle each time)'}.
Each time is from spawning \`twins up … --port 0 --json\` to its JSON line on stdout and a 200 from every twin's \`/_twin/health\`; each run then gets SIGTERM and must exit 0, which took ${fmt(s.stopMedian)} ms (median).

| | median ms | × \`node -e 0\` | runs (ms) | target |
| --- | ---: | ---: | --- | --- |
| \`node -e 0\` | ${fmt(s.bareNode)} | 1.0 | ${s.bareRuns.map((x) => fmt(x)).join(', ')} | |
| \`twins up slack\` | ${fmt(s.median)} | ${ratio(s.median)} | ${s.runs.map((x) => fmt(x)).join(', ')} | ≤ ${TARGETS.startupMs} ms ${verdict(s.median <= TARGETS.startupMs)} |
| \`twins up\` (${s.allTwins.join(', ')}) | ${fmt(s.allMedian)} | ${ratio(s.allMedian)} | ${s.allRuns.map((x) => fmt(x)).join(', ')} | ≤ ${TARGETS.allTwinsMs} ms ${verdict(s.allMedian <= TARGETS.allTwinsMs)} |
| \`twins up slack\`, first start after the install (compiles the bundle, then writes its V8 code cache) | ${fmt(s.firstStart)} | ${ratio(s.firstStart)} | one run | |
| \`bin/twins up slack\` in a clone (TypeScript through tsx) | ${fmt(s.fromSource)} | ${ratio(s.fromSource)} | median of 3 | for scale |

CPU time (user + system) each had used when healthy, steadier than wall time on a shared machine (load average ${s.load.before.map((x) => fmt(x, 1)).join(' / ')} before the runs, ${s.load.after.map((x) => fmt(x, 1)).join(' / ')} after): \`node -e 0\` ${fmt(s.cpuMedian.bare)} ms; \`twins up slack\` ${fmt(s.cpuMedian.slack)} ms (${s.cpu.slack.map((x) => fmt(x)).join(', ')}); \`twins up\` (${s.allTwins.join(', ')}) ${fmt(s.cpuMedian.all)} ms (${s.cpu.all.map((x) => fmt(x)).join(', ')}).

Idle resident memory of \`twins up slack\` (VmRSS once it has not moved by 1 MB for a second, after the background validator compile): ${s.idleRss.map((x) => fmt(x)).join(', ')} MB, median ${fmt(s.idleRssMedian)} MB (target ≤ ${TARGETS.idleRssMb} MB ${verdict(s.idleRssMedian <= TARGETS.idleRssMb)}).

Where the time goes, in one fresh process from the TypeScript sources (\`node --import tsx bench/phases.ts\`; the installed package skips tsx and loads a bundle, so its steps are shorter):

| Step | ms |
| --- | ---: |
${phaseRows(s.phases).join('\n')}
| **total (from process start)** | **${fmt(s.phases.total)}** |

createKernel's parts, each timed cold in another fresh process (\`bench/phases.ts pieces\`):

| Step | ms |
| --- | ---: |
${phaseRows(s.pieces).join('\n')}
`;
}

function report(r: Results): string {
  const ratios = r.tp.rounds.map((x) => ({ history: x.twinHistory.rps / x.bareHistory.rps, post: x.twinPost.rps / x.barePost.rps }));
  const historyRatio = median(ratios.map((x) => x.history));
  const postRatio = median(ratios.map((x) => x.post));
  const m = {
    twinHistory: medianLoad(r.tp.rounds.map((x) => x.twinHistory)),
    bareHistory: medianLoad(r.tp.rounds.map((x) => x.bareHistory)),
    twinPost: medianLoad(r.tp.rounds.map((x) => x.twinPost)),
    barePost: medianLoad(r.tp.rounds.map((x) => x.barePost)),
  };
  const rssMb = mb(r.mem.after.rss);
  const cpu = (x: LoadResult) => (x.cpuUs === undefined ? 'n/a' : fmt(x.cpuUs));
  const row = (name: string, x: LoadResult) => `| ${name} | ${fmt(x.rps)} | ${x.p50} | ${x.p99} | ${cpu(x)} | ${fmt(x.total)} |`;
  const cpuRatio = (twin: LoadResult, base: LoadResult) =>
    twin.cpuUs && base.cpuUs ? `; server CPU per request ${fmt(twin.cpuUs / base.cpuUs, 1)}× the baseline's` : '';
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
| \`twins up slack\` start to healthy, installed package (median of ${r.startup.runs.length}) | ${fmt(r.startup.median)} ms | ≤ ${TARGETS.startupMs} ms | ${verdict(r.startup.median <= TARGETS.startupMs)} |
| \`twins up\` (${r.startup.allTwins.join(', ')}) start to healthy, installed package (median of ${r.startup.allRuns.length}) | ${fmt(r.startup.allMedian)} ms | ≤ ${TARGETS.allTwinsMs} ms | ${verdict(r.startup.allMedian <= TARGETS.allTwinsMs)} |
| Idle resident memory of \`twins up slack\` (median of ${r.startup.idleRss.length}) | ${fmt(r.startup.idleRssMedian)} MB | ≤ ${TARGETS.idleRssMb} MB | ${verdict(r.startup.idleRssMedian <= TARGETS.idleRssMb)} |
| Resident memory after ${fmt(r.mem.messages)} messages | ${fmt(rssMb)} MB | ≤ ${TARGETS.rssMb} MB | ${verdict(rssMb <= TARGETS.rssMb)} |
| Harness overhead per trial (median of ${r.harness.overhead.trials}) | ${fmt(r.harness.overhead.medianMs)} ms | ≤ ${fmt(r.harness.targets.overheadMs)} ms | ${verdict(r.harness.overhead.medianMs <= r.harness.targets.overheadMs)} |
| ${r.harness.fiftyScenarios.scenarios} holdout scenarios against a ready app | ${fmt(r.harness.fiftyScenarios.gradeMs / 1000, 1)} s | ≤ ${fmt(r.harness.targets.fiftyScenariosMs / 1000)} s | ${verdict(r.harness.fiftyScenarios.gradeMs <= r.harness.targets.fiftyScenariosMs)} |
${twinTargetRows(r.okta, r.jira).join('\n')}

## Throughput and latency

| Server and call | req/s (mean) | p50 ms | p99 ms | server CPU µs/request | requests |
| --- | ---: | ---: | ---: | ---: | ---: |
${row('Slack twin: GET conversations.history (limit 20)', m.twinHistory)}
${row("bare fastify: GET answering the twin's history page and headers", m.bareHistory)}
${row('Slack twin: POST chat.postMessage (form)', m.twinPost)}
${row("bare fastify: POST, schema-validated JSON, answering the twin's postMessage answer and headers", m.barePost)}
${row('bare fastify: GET small JSON (context)', r.tp.smallGet)}
${row('bare fastify: POST small JSON, schema-validated (context)', r.tp.smallPost)}
${row("the twins' fastify adapter, stub kernel answering the postMessage answer (context)", r.tp.adapterStub)}

Figures are medians over ${r.tp.rounds.length} alternating rounds (requests: the sum). Per round:

| Round | history twin ÷ bare | postMessage twin ÷ bare |
| --- | ---: | ---: |
${ratios.map((x, i) => `| ${i + 1} | ${fmt(x.history, 2)} | ${fmt(x.post, 2)} |`).join('\n')}

- The targets compare like with like: each bare route answers exactly what the twin answered (the history page is ${fmt(r.tp.pageBytes)} bytes; postMessage's answer carries the message and Slack's scope headers), so the ratio measures what the twin's pipeline costs, not the size of Slack's answers. Against the few-dozen-byte routes the ratios would be ${fmt(m.twinHistory.rps / r.tp.smallGet.rps, 2)} (history) and ${fmt(m.twinPost.rps / r.tp.smallPost.rps, 2)} (postMessage); bare fastify itself manages ${fmt(m.bareHistory.rps / r.tp.smallGet.rps, 2)} and ${fmt(m.barePost.rps / r.tp.smallPost.rps, 2)} of its small routes when it sends the twin's answers.
- The adapter row isolates the HTTP layer: the twins' fastify adapter with a kernel that answers at once costs about what bare fastify does, so the rest of the twin's CPU per request is the kernel and the Slack twin.
- Server CPU per request, twin against bare: history${cpuRatio(m.twinHistory, m.bareHistory).replace('; server CPU per request', '')}; postMessage${cpuRatio(m.twinPost, m.barePost).replace('; server CPU per request', '')}.
- The Slack twin runs with rate limits off. History reads a channel of 50+ messages; postMessage appends to one channel, so its state grows during the run.
- Server CPU per request comes from /proc and does not move when other processes compete for the cores; req/s does.

${twinsSection(r.okta, r.jira, 'Measured in this run (bench/twins.ts); see [docs/benchmarks.md](../docs/benchmarks.md).')}
${startupSection(r.startup)}
## Memory

One kernel in one process (\`node --expose-gc\`), ${fmt(r.mem.messages)} form-encoded chat.postMessage calls to one channel through \`kernel.handle\` (the pipeline the HTTP adapter uses, minus the socket), then two forced GCs. The target is judged on the RSS right after them; V8 returns freed pages to the system only after a while, so the idle row shows what a twin holds between trials. Both move by tens of MB from run to run.

| | RSS MB | V8 heap committed MB | V8 heap used MB |
| --- | ---: | ---: | ---: |
${memRow('after start-up and seeding', r.mem.before)}
${memRow(`after ${fmt(r.mem.messages)} messages`, r.mem.after)}
${memRow(`the same, ${fmt(r.mem.idleMs / 1000)} s idle later`, r.mem.idle)}

The ${fmt(r.mem.messages)} posts took ${fmt(r.mem.postMs / 1000, 1)} s (${fmt(r.mem.messages / (r.mem.postMs / 1000))} posts/s in-process); the channel then held ${fmt(r.mem.stored)} messages.

## The harness

\`bench/harness.ts\`: ${r.harness.overhead.trials} trials of the \`reference\` agent on the sample task (test/fixtures/tasks/sample), isolation: ${r.harness.overhead.isolation}, satisfaction ${fmt(r.harness.overhead.satisfaction, 2)}. A trial's overhead is everything but the agent's, the install's, the app start's and the holdout scenarios' own time (tenants, workspace, sandbox set-up, contamination scan, teardown, results files).

| | ms |
| --- | ---: |
| overhead per trial, median (runs: ${r.harness.overhead.values.map((x) => fmt(x)).join(', ')}) | ${fmt(r.harness.overhead.medianMs)} |
${Object.entries(r.harness.overhead.stages)
  .map(([k, v]) => `| stage ${k}, median | ${fmt(v)} |`)
  .join('\n')}

${r.harness.fiftyScenarios.scenarios} generated holdout scenarios, sealed into a temporary vault, graded once against the reference app already answering: ${r.harness.fiftyScenarios.passed} passed; the grade stage took ${fmt(r.harness.fiftyScenarios.gradeMs)} ms, of which the scenarios' own time was ${fmt(r.harness.fiftyScenarios.scenariosOwnMs)} ms (${fmt(r.harness.fiftyScenarios.perScenarioMs)} ms per scenario).
`;
}

if (process.argv.includes('--startup-only')) {
  // Only the start-up section (and nothing else) of RESULTS.md is measured again and replaced.
  const startup = await measureStartup(7);
  const file = new URL('RESULTS.md', import.meta.url);
  const text = readFileSync(file, 'utf8');
  const at = text.indexOf('## `twins up` start-up');
  const end = text.indexOf('\n## ', at + 1);
  if (at < 0 || end < 0) throw new Error('bench/RESULTS.md has no start-up section to replace; run the whole bench');
  const section = `${startupSection(startup)}\nMeasured with \`npm run bench -- --startup-only\` on ${new Date().toISOString().slice(0, 10)}, load average ${os
    .loadavg()
    .map((x) => fmt(x, 2))
    .join(' / ')}; the rest of this file is from the last full run.\n`;
  writeFileSync(file, `${text.slice(0, at)}${section}${text.slice(end)}`);
  process.stdout.write(section);
  process.exit(0);
}

const onlyTwins = process.argv.slice(2).filter((a) => a === 'okta' || a === 'jira');
if (onlyTwins.length > 0) {
  // `npm run bench -- okta jira`: only the Okta and/or Jira benchmarks; their section of RESULTS.md is replaced (or added).
  const t0 = performance.now();
  const before = os.loadavg();
  const okta = onlyTwins.includes('okta') ? await benchOkta() : undefined;
  const jira = onlyTwins.includes('jira') ? await benchJira() : undefined;
  const loads = (l: number[]) => l.map((x) => fmt(x, 2)).join(' / ');
  const how = `Measured with \`npm run bench -- ${onlyTwins.join(' ')}\` on ${new Date().toISOString().slice(0, 10)} in ${fmt((performance.now() - t0) / 1000)} s, load average ${loads(before)} at the start and ${loads(os.loadavg())} at the end (autocannon, ${LOAD.connections} connections, ${LOAD.duration} s after a ${LOAD.warmup} s warm-up); the rest of this file is from other runs.`;
  const section = twinsSection(okta, jira, how);
  const file = new URL('RESULTS.md', import.meta.url);
  const text = readFileSync(file, 'utf8');
  const at = text.indexOf('## Okta and Jira');
  const next = at < 0 ? -1 : text.indexOf('\n## ', at + 1);
  const insertAt = text.indexOf('## `twins up` start-up');
  const updated =
    at >= 0
      ? `${text.slice(0, at)}${section}${next < 0 ? '' : text.slice(next)}`
      : insertAt >= 0
        ? `${text.slice(0, insertAt)}${section}\n${text.slice(insertAt)}`
        : `${text}\n${section}`;
  writeFileSync(file, updated);
  process.stdout.write(section);
  process.exit(0);
}

const started = performance.now();
const loadBefore = os.loadavg();
const tp = await throughput();
const okta = await benchOkta();
const jira = await benchJira();
const startup = await measureStartup(7);
const mem = memory();
progress('harness: trials of the reference agent and 50 holdouts');
const harness = await benchHarness({ log: progress });
const seconds = (performance.now() - started) / 1000;
const text = report({ tp, startup, mem, harness, okta, jira, seconds, load: { before: loadBefore, after: os.loadavg() } });
writeFileSync(new URL('RESULTS.md', import.meta.url), text);
progress(`done in ${Math.round(seconds)} s; wrote bench/RESULTS.md`);
process.stdout.write(text);
