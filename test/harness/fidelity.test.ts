// The fidelity catalogue (computed from the repository) and the trial and run figures built on it: what the grade says about how far to trust the twins.

import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { appCalls, FIDELITY_OPERATIONS, fidelityOf, runFidelity, trialFidelity } from '../../harness/fidelity.ts';
import type { ProxyRecord } from '../../harness/proxy.ts';
import { checkSdkCoverage } from '../../scripts/sdk-coverage.ts';
import { buildCatalogue, FIDELITY_ROOT, type OperationFidelity, type TwinCatalogue } from '../../src/fidelity/catalogue.ts';
import { clientOf, readSdkCoverage, SDK_COVERAGE_ENV, sdkCoveragePath } from '../../src/fidelity/sdk-coverage.ts';
import { collectOperations } from '../../src/kernel/openapi.ts';
import { loadTwin, TWIN_NAMES } from '../../src/registry.ts';
import { startSlack } from '../support/slack.ts';
import { trial } from './synthetic-trials.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'twins-fidelity-'));
  dirs.push(d);
  return d;
};

describe('the catalogue, computed from the repository', () => {
  it('lists every operation of each twin contract, implemented as its handler map says, with the SDK coverage file behind it', async () => {
    for (const twin of TWIN_NAMES) {
      const def = await loadTwin(twin);
      const cat = await buildCatalogue(twin);
      const ids = collectOperations(def.openapi).map((o) => o.operationId);
      expect(cat.operations.map((o) => o.operationId)).toEqual(ids);
      for (const op of cat.operations) expect(op.implemented).toBe(typeof def.operations[op.operationId] === 'function');
      const file = readSdkCoverage(twin, FIDELITY_ROOT);
      expect(file, `${twin} has an SDK coverage file`).toBeDefined();
      for (const op of cat.operations) expect(op.sdk).toEqual([...(file?.operations[op.operationId] ?? [])].sort());
      // Somebody's SDK test covers something, and not everything is claimed covered.
      expect(cat.operations.some((o) => o.sdk.length > 0)).toBe(true);
    }
  });

  it("carries each handler's Limitations: notes (the coverage page's), and official clients from their tests", async () => {
    const slack = await buildCatalogue('slack');
    const byId = (id: string) => slack.operations.find((o) => o.operationId === id) as OperationFidelity;
    expect(byId('conversations.open').limitations.join(' ')).toContain('prevent_creation');
    expect(byId('views.open').limitations.join(' ')).not.toContain('prevent_creation');
    expect(byId('chat.postMessage').sdk).toContain('@slack/web-api');
    const page = readFileSync(join(FIDELITY_ROOT, 'docs', 'twins', 'slack-coverage.md'), 'utf8');
    for (const op of slack.operations.filter((o) => o.limitations.length > 0))
      expect(page).toContain(op.limitations[0].replace(/\|/g, '\\|'));
  });

  it('names the operation a request reached as the twin routes it: tenant prefix, method fallback, templates; unknown paths are undefined', async () => {
    const slack = await buildCatalogue('slack');
    expect(slack.match('POST', '/t/tenant-3/api/chat.postMessage')?.operationId).toBe('chat.postMessage');
    expect(slack.match('GET', '/api/chat.postMessage')?.operationId).toBe('chat.postMessage');
    expect(slack.match('POST', '/api/%63hat.postMessage')?.operationId).toBe('chat.postMessage');
    expect(slack.match('POST', '/api/chat.notAMethod')).toBeUndefined();
    const okta = await buildCatalogue('okta');
    const getUser = okta.match('GET', '/api/v1/users/00uabcdefghijklmnopq');
    expect(getUser?.method).toBe('GET');
    expect(getUser?.path).toMatch(/^\/api\/v1\/users\/\{[^}]+\}$/);
    const jira = await buildCatalogue('jira');
    const issue = jira.match('GET', '/t/site-1/rest/api/3/issue/ENG-12');
    expect(issue?.method).toBe('GET');
    expect(issue?.path).toMatch(/^\/rest\/api\/\{apiVersion\}\/issue\/\{[^}]+\}$/);
    expect(jira.match('GET', '/rest/api/3/nothing/here')).toBeUndefined();
  });
});

describe('the SDK coverage files', () => {
  it('are present and name only operations the contracts have (what npm run check verifies)', async () => {
    expect(await checkSdkCoverage()).toEqual([]);
  });

  it('a missing file, or one naming an operation the contract lost, is reported', async () => {
    const root = tempDir();
    for (const twin of TWIN_NAMES) {
      mkdirSync(join(root, 'twins', twin, 'generated'), { recursive: true });
      writeFileSync(sdkCoveragePath(twin, root), readFileSync(sdkCoveragePath(twin, FIDELITY_ROOT)));
    }
    expect(await checkSdkCoverage(root)).toEqual([]);
    rmSync(sdkCoveragePath('okta', root));
    const stale = JSON.parse(readFileSync(sdkCoveragePath('jira', root), 'utf8'));
    stale.operations.removedLongAgo = ['jira.js'];
    writeFileSync(sdkCoveragePath('jira', root), JSON.stringify(stale));
    const problems = await checkSdkCoverage(root);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/twins\/okta\/generated\/sdk-coverage\.json is missing/);
    expect(problems[1]).toMatch(/removedLongAgo/);
  });

  it('tell the official clients from the tests’ own calls by their User-Agent', () => {
    expect(clientOf('slack', '@slack:web-api/7.13.0 node/20.20.2 linux/6.1')).toBe('@slack/web-api');
    expect(clientOf('slack', '@slack:bolt/4.4.0 @slack:web-api/7.13.0 node/20.20.2')).toBe('@slack/bolt');
    expect(clientOf('okta', 'okta-sdk-nodejs/8.1.0 node/20.20.2 linux/6.1')).toBe('@okta/okta-sdk-nodejs');
    expect(clientOf('okta', 'openid-client/v6.9.1')).toBe('openid-client');
    expect(clientOf('jira', 'axios/1.13.2')).toBe('jira.js');
    expect(clientOf('jira', undefined)).toBe('jira-client');
    // Node's fetch (the tests' raw calls), a browser, and axios outside Jira are no official client's.
    expect(clientOf('slack', 'node')).toBeUndefined();
    expect(clientOf('okta', 'Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/156.0.0.0')).toBeUndefined();
    expect(clientOf('slack', 'axios/1.13.2')).toBeUndefined();
    expect(clientOf('slack', undefined)).toBeUndefined();
  });

  it('are recorded from a running twin: an official client’s call counts, a raw call does not', async () => {
    const dir = tempDir();
    const before = process.env[SDK_COVERAGE_ENV];
    process.env[SDK_COVERAGE_ENV] = dir;
    try {
      const s = await startSlack({ seed: 5 });
      await s.bot.auth.test();
      // A raw call with Node's fetch (User-Agent `node`) to another method: not an official client.
      await fetch(`${s.env.SLACK_API_URL}/users.list`, { headers: { authorization: `Bearer ${s.env.SLACK_BOT_TOKEN}` } });
      await s.close();
    } finally {
      if (before === undefined) delete process.env[SDK_COVERAGE_ENV];
      else process.env[SDK_COVERAGE_ENV] = before;
    }
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    const fragment = JSON.parse(readFileSync(join(dir, files[0]), 'utf8'));
    expect(fragment.twin).toBe('slack');
    expect(fragment.operations).toEqual({ 'auth.test': ['@slack/web-api'] });
    expect(fragment.unrecognised).toMatchObject({ node: 1 });
  }, 60_000);
});

/** A catalogue of three operations: trusted, limited, and in the contract without a handler. */
function fakeCatalogue(): TwinCatalogue {
  const ops: OperationFidelity[] = [
    {
      operationId: 'chat.postMessage',
      method: 'POST',
      path: '/api/chat.postMessage',
      implemented: true,
      limitations: [],
      sdk: ['@slack/web-api'],
    },
    {
      operationId: 'conversations.open',
      method: 'POST',
      path: '/api/conversations.open',
      implemented: true,
      limitations: ['with prevent_creation the answer is no_op'],
      sdk: ['@slack/web-api'],
    },
    { operationId: 'users.list', method: 'POST', path: '/api/users.list', implemented: true, limitations: [], sdk: [] },
    { operationId: 'admin.teams.create', method: 'POST', path: '/api/admin.teams.create', implemented: false, limitations: [], sdk: [] },
  ];
  return {
    twin: 'slack',
    title: 'Slack',
    operations: ops,
    match: (_method, path) => ops.find((o) => path.endsWith(o.path)),
  };
}

const call = (path: string, twin: ProxyRecord['twin'] = 'slack') => ({ twin, method: 'POST', path });

describe('a trial’s fidelity', () => {
  it('counts calls per operation with its status, and the figure is the share of calls on trusted operations', () => {
    const f = fidelityOf(
      [
        call('/api/chat.postMessage'),
        call('/api/chat.postMessage'),
        call('/api/chat.postMessage'),
        call('/api/conversations.open'),
        call('/api/users.list'),
      ],
      new Map([['slack', fakeCatalogue()]]),
    );
    expect(f.calls).toBe(5);
    expect(f.trustedCalls).toBe(3);
    expect(f.figure).toBeCloseTo(0.6, 12);
    expect(f.unmodelled).toBe(false);
    expect(f.unmodelledCalls).toBe(0);
    expect(f.operations.map((o) => [o.operation, o.calls, o.status, o.trusted])).toEqual([
      ['chat.postMessage', 3, 'implemented', true],
      ['conversations.open', 1, 'implemented', false],
      ['users.list', 1, 'implemented', false],
    ]);
    expect(f.operations[1].limitations).toEqual(['with prevent_creation the answer is no_op']);
    expect(f.operations[2].sdk).toEqual([]);
  });

  it('marks a trial graded on an unmodelled operation: one not implemented, or not in the contract at all', () => {
    const cat = new Map([['slack', fakeCatalogue()]]) as Map<ProxyRecord['twin'], TwinCatalogue>;
    const notImplemented = fidelityOf([call('/api/chat.postMessage'), call('/api/admin.teams.create')], cat);
    expect(notImplemented.unmodelled).toBe(true);
    expect(notImplemented.unmodelledCalls).toBe(1);
    expect(notImplemented.operations.find((o) => o.operation === 'admin.teams.create')?.status).toBe('not-implemented');
    const unknown = fidelityOf([call('/t/tenant-9/api/made.up')], cat);
    expect(unknown.unmodelled).toBe(true);
    expect(unknown.operations).toEqual([
      { twin: 'slack', operation: 'POST /api/made.up', calls: 1, status: 'unknown', limitations: [], sdk: [], trusted: false },
    ]);
    // A twin without a catalogue: its calls are unknown, never trusted.
    const none = fidelityOf([call('/rest/api/3/myself', 'jira')], cat);
    expect(none).toMatchObject({ calls: 1, trustedCalls: 0, figure: 0, unmodelled: true });
  });

  it('has no figure without calls, and lists at most FIDELITY_OPERATIONS operations, counting the rest', () => {
    expect(fidelityOf([], new Map())).toMatchObject({ calls: 0, figure: null, unmodelled: false, operations: [] });
    const many = Array.from({ length: FIDELITY_OPERATIONS + 5 }, (_, i) => call(`/api/unknown.method${i}`));
    const f = fidelityOf(many, new Map([['slack', fakeCatalogue()]]));
    expect(f.operations).toHaveLength(FIDELITY_OPERATIONS);
    expect(f.otherCalls).toBe(5);
    expect(f.calls).toBe(FIDELITY_OPERATIONS + 5);
  });

  it('from the proxy record: only the app’s calls, refused control-plane calls left out, with the real catalogues', async () => {
    const rec = (over: Partial<ProxyRecord>): ProxyRecord => ({
      twin: 'slack',
      phase: 'app',
      time: '2026-12-06T00:00:00.000Z',
      method: 'POST',
      path: '/t/tenant-2/api/chat.postMessage',
      status: 200,
      summary: '',
      ...over,
    });
    const records = [
      rec({ phase: 'agent', path: '/api/users.list' }),
      rec({}),
      rec({ path: '/_twin/journal', refused: true, status: 403 }),
      rec({ path: '/api/chat.notAMethod', status: 404 }),
    ];
    expect(appCalls(records)).toHaveLength(2);
    const f = await trialFidelity(records);
    expect(f.calls).toBe(2);
    // Equal counts: by twin, then operation name.
    expect(f.operations.map((o) => [o.operation, o.status])).toEqual([
      ['POST /api/chat.notAMethod', 'unknown'],
      ['chat.postMessage', 'implemented'],
    ]);
    expect(f.unmodelled).toBe(true);
    const slack = await buildCatalogue('slack');
    const post = slack.operations.find((o) => o.operationId === 'chat.postMessage') as OperationFidelity;
    expect(f.operations[1].trusted).toBe(post.limitations.length === 0 && post.sdk.length > 0);
    expect(f.trustedCalls).toBe(f.operations[1].trusted ? 1 : 0);
  });
});

describe('the run’s fidelity', () => {
  const withFidelity = (i: number, calls: number, trustedCalls: number, unmodelled = false) =>
    trial(i, [['canary-a', 'passed']], {
      fidelity: {
        calls,
        trustedCalls,
        figure: calls ? trustedCalls / calls : null,
        unmodelledCalls: unmodelled ? 1 : 0,
        unmodelled,
        operations: [],
      },
    });

  it('pools calls over scored trials that measured one; infrastructure failures and unmeasured trials are left out', () => {
    const infra = withFidelity(3, 100, 0);
    infra.status = 'error';
    infra.failure = { kind: 'infrastructure', stage: 'grade', reason: 'a twin went down' };
    const f = runFidelity([withFidelity(0, 10, 9), withFidelity(1, 30, 15, true), trial(2, [['canary-a', 'passed']]), infra]);
    expect(f).toEqual({ trials: 2, unmodelledTrials: 1, calls: 40, trustedCalls: 24, figure: 0.6 });
    expect(runFidelity([trial(0, [['canary-a', 'passed']])])).toBeUndefined();
    expect(runFidelity([withFidelity(0, 0, 0)])?.figure).toBeNull();
  });
});
