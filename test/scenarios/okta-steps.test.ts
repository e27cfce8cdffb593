// The Okta steps for real: an in-process Okta twin, a tiny app that receives its event hooks and calls its API, features run by cucumber.

import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TwinsWorldParameters } from '../../scenarios/support/config.ts';
import { type RunningTwin, serve } from '../../src/adapters/fastify.ts';
import { createKernel, type Kernel } from '../../src/kernel/index.ts';
import { oktaTwin } from '../../twins/okta/index.ts';
import { runFeatures, writeFeatures } from './steps-harness.ts';

let kernel: Kernel<unknown, unknown>;
let twin: RunningTwin;
let control: string;
let app: { url: string; server: Server; hooks: { eventType: string; target: string }[] };
let appTenant: string;

/**
 * A tiny offboarding app on one org: it answers Okta's verification GET at /okta/hooks, answers
 * suspension hooks with 500 and every other hook with 204, and takes a deactivated person out of
 * every group but Everyone through the management API (after answering).
 */
function startApp(env: Record<string, string>): Promise<typeof app> {
  const hooks: { eventType: string; target: string }[] = [];
  const okta = async (method: string, path: string) => {
    const res = await fetch(`${env.OKTA_ORG_URL}${path}`, {
      method,
      headers: { authorization: `SSWS ${env.OKTA_API_TOKEN}`, accept: 'application/json' },
    });
    return res.status === 204 ? undefined : res.json();
  };
  const server = createServer((req, res) => {
    if (req.url !== '/okta/hooks') {
      res.writeHead(404).end();
      return;
    }
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ verification: req.headers['x-okta-verification-challenge'] }));
      return;
    }
    let body = '';
    req.on('data', (d) => {
      body += d;
    });
    req.on('end', () => {
      const events = (JSON.parse(body) as { data: { events: { eventType: string; target: { id: string; type: string }[] }[] } }).data
        .events;
      const suspension = events.some((e) => e.eventType === 'user.lifecycle.suspend');
      res.writeHead(suspension ? 500 : 204).end();
      for (const e of events) {
        const person = e.target.find((t) => t.type === 'User')?.id ?? '';
        hooks.push({ eventType: e.eventType, target: person });
        if (e.eventType !== 'user.lifecycle.deactivate') continue;
        void (async () => {
          const groups = (await okta('GET', `/api/v1/users/${person}/groups`)) as { id: string; type: string }[];
          for (const g of groups) if (g.type === 'OKTA_GROUP') await okta('DELETE', `/api/v1/groups/${g.id}/users/${person}`);
        })();
      }
    });
  });
  return new Promise((done) =>
    server.listen(0, '127.0.0.1', () => done({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, hooks })),
  );
}

function params(waitMs = 5000): TwinsWorldParameters {
  return {
    twins: { okta: { url: twin.url, control } },
    slots: [{ appUrl: app.url, tenants: { okta: appTenant } }],
    waitMs,
  };
}

beforeAll(async () => {
  kernel = createKernel(oktaTwin as never, { rateLimits: false }) as Kernel<unknown, unknown>;
  twin = await serve(kernel, { port: 0 });
  control = `${twin.url}/_twin`;
  const t = kernel.createTenant();
  appTenant = t.id;
  app = await startApp(kernel.env(t, twin.url));
}, 60_000);

afterAll(async () => {
  await new Promise((done) => app?.server.close(done));
  await twin?.close();
});

describe('the Okta steps', () => {
  it('arrange, act and observe end to end against an app on its own org', async () => {
    const result = await runFeatures([join(import.meta.dirname, 'okta-steps.feature')], params());
    expect(result.success, result.report).toBe(true);
    expect(result.scenarios.map((s) => s.status)).toEqual(['PASSED', 'PASSED', 'PASSED', 'PASSED', 'PASSED', 'PASSED']);
    // The app heard the acts, never the arranging: carol (deactivated while arranging) sent no hook.
    const state = kernel.tenants.get(appTenant)?.state as
      | { users: Map<string, { id: string; profile: { firstName: string } }> }
      | undefined;
    const carol = [...(state?.users.values() ?? [])].find((u) => u.profile.firstName === 'Carol');
    expect(carol).toBeDefined();
    expect(app.hooks.some((h) => h.target === carol?.id)).toBe(false);
    expect(app.hooks.some((h) => h.eventType === 'user.lifecycle.deactivate')).toBe(true);
  }, 120_000);

  it('fail when the outcome does not come, each saying what it waited for and what it saw', async () => {
    const cases: { name: string; steps: string; error: RegExp }[] = [
      {
        name: 'a status that does not come',
        steps: 'Then within 1 second the Okta user "alice" is SUSPENDED',
        error: /waited 1 s for the Okta user "alice" to be SUSPENDED, in vain[\s\S]*is ACTIVE/,
      },
      { name: 'an unknown person', steps: 'When an Okta admin deactivates "nobody"', error: /no Okta user "nobody"; the org has alice/ },
      { name: 'an unknown status', steps: 'Then the Okta user "alice" is HAPPY', error: /"HAPPY" is not an Okta user status/ },
      {
        name: "the steps' own doings are not the app's",
        steps:
          'When an Okta admin deactivates "heidi"\n    Then within 1 second the System Log has "user.lifecycle.deactivate" for "heidi"',
        error: /waited 1 s for a System Log event user\.lifecycle\.deactivate for "heidi"/,
      },
      {
        name: 'no hook without a registration',
        steps:
          'When an Okta admin deactivates "heidi"\n    Then within 1 second the app received an Okta event hook "user.lifecycle.deactivate" for "heidi"',
        error: /Okta sent no event hook deliveries in this scenario/,
      },
      {
        name: 'a call the app must never make',
        steps:
          'Given the app has an Okta event hook for "user.lifecycle.deactivate" at "/okta/hooks"\n    When an Okta admin deactivates "bob"\n    Then for 5 seconds the app never calls Okta "unassignUserFromGroup"',
        error: /expected no call of Okta's unassignUserFromGroup by the app for 5 s, but saw: #\d+ unassignUserFromGroup DELETE/,
      },
      {
        name: 'a hook answered 500 was not received',
        steps:
          'Given the app has an Okta event hook for "user.lifecycle.suspend" at "/okta/hooks"\n    When an Okta admin suspends "bob"\n    Then within 2 seconds the app received an Okta event hook "user.lifecycle.suspend" for "bob"',
        error:
          /waited 2 s for an Okta event hook user\.lifecycle\.suspend for "bob" delivered[\s\S]*user\.lifecycle\.suspend \(bob\.[^)]*\) → [a-z_]+ \[500/,
      },
      {
        name: 'a suspended person cannot sign in',
        steps: 'Given "dave" is suspended in Okta\n    When "dave" signs in to Okta',
        error: /Okta did not let "dave" sign in: HTTP 401/,
      },
      {
        name: 'an app that does not verify its hook',
        steps: 'Given the app has an Okta event hook for "user.lifecycle.suspend" at "/elsewhere"',
        error: /the app did not verify its Okta event hook http:\/\/127\.0\.0\.1:\d+\/elsewhere/,
      },
      {
        name: 'an assignment that does not come',
        steps: 'Given an Okta app "Payroll"\n    Then within 1 second the Okta app "Payroll" is assigned to "bob"',
        error: /waited 1 s for the Okta app "Payroll" assigned to "bob"[\s\S]*"Payroll" is assigned to nobody directly/,
      },
      {
        name: 'an unknown app',
        steps: 'When an Okta admin assigns "bob" to the Okta app "Nope"',
        error: /no Okta app "Nope"; the org has Twin Web App/,
      },
      {
        name: 'an admin act Okta refuses',
        steps: 'When an Okta admin unsuspends "alice"',
        error: /Okta answered POST \/api\/v1\/users\/\w+\/lifecycle\/unsuspend with 400 E0000001/,
      },
    ];
    const text = `Feature: Okta steps that must fail\n${cases.map((c) => `\n  Scenario: ${c.name}\n    ${c.steps}\n`).join('')}`;
    const { dir, cleanup } = writeFeatures([{ name: 'failing.feature', text }]);
    try {
      const result = await runFeatures([dir], params(1000));
      expect(result.success).toBe(false);
      expect(result.scenarios.map((s) => s.name)).toEqual(cases.map((c) => c.name));
      for (const [i, c] of cases.entries()) {
        const s = result.scenarios[i];
        expect(s.status, `${c.name}\n${result.report}`).toBe('FAILED');
        expect(s.errors.join('\n'), c.name).toMatch(c.error);
        expect(s.attachments.join('\n'), c.name).toMatch(/Okta tenant /);
      }
    } finally {
      cleanup();
    }
  }, 120_000);

  it("pass docs/scenarios.md's Okta example as it is written", async () => {
    const doc = readFileSync(join(import.meta.dirname, '../../docs/scenarios.md'), 'utf8');
    const section = doc.slice(doc.indexOf('## Okta steps'));
    const example = /```gherkin\n([\s\S]*?)```/.exec(section)?.[1];
    expect(example).toBeDefined();
    const { dir, cleanup } = writeFeatures([{ name: 'doc.feature', text: example ?? '' }]);
    try {
      const result = await runFeatures([dir], params());
      expect(result.success, result.report).toBe(true);
      expect(result.scenarios.length).toBeGreaterThan(0);
    } finally {
      cleanup();
    }
  }, 60_000);

  it("arrange quietly past the org's active hook, switching it back on; the switching is not the app's doing", async () => {
    const { dir, cleanup } = writeFeatures([
      {
        name: 'own-hook.feature',
        text: `Feature: The app's own hook
  Scenario: Arranged deactivations reach no hook, acted ones do
    Given the app has an Okta event hook for "user.lifecycle.deactivate" at "/okta/hooks"
    And "carol" is deactivated in Okta
    When an Okta admin deactivates "dave"
    Then the app received an Okta event hook "user.lifecycle.deactivate" for "dave"
    And for 500 ms the app never calls Okta "deactivateEventHook"
    And for 500 ms the app never calls Okta "activateEventHook"
`,
      },
    ]);
    const before = app.hooks.length;
    try {
      const result = await runFeatures([dir], params());
      expect(result.success, result.report).toBe(true);
    } finally {
      cleanup();
    }
    // Only dave's deactivation reached the app; the hook is active again after arranging.
    expect(app.hooks.slice(before).map((h) => h.eventType)).toEqual(['user.lifecycle.deactivate']);
    const hooks = (kernel.tenants.get(appTenant)?.state as { eventHooks: Map<string, { status: string }> } | undefined)?.eventHooks;
    expect([...(hooks?.values() ?? [])].map((h) => h.status)).toEqual(['ACTIVE']);
  }, 60_000);

  it('give each scenario a fresh org, deleted afterwards, when no app is under test', async () => {
    const before = kernel.tenants.list().length;
    const { dir, cleanup } = writeFeatures([
      {
        name: 'no-app.feature',
        text: `Feature: No app
  Scenario: An org of its own
    Given an Okta user "zoe"
    When an Okta admin suspends "zoe"
    Then the Okta user "zoe" is SUSPENDED
    And for 300 ms the app never calls Okta "suspendUser"
`,
      },
    ]);
    try {
      const result = await runFeatures([dir], { twins: { okta: { url: twin.url, control } } });
      expect(result.success, result.report).toBe(true);
    } finally {
      cleanup();
    }
    expect(kernel.tenants.list().length).toBe(before);
  }, 60_000);
});
