// The harness and `twins run` give a multi-twin app one company: createCompany answers every twin's part when the
// twins share a process, and nothing (so each twin gets a tenant of its own) when they do not.

import { afterAll, describe, expect, it } from 'vitest';
import { ControlClient } from '../../scenarios/support/control-client.ts';
import { launchTwins } from '../../src/api.ts';

const TOKEN = 'company-harness-token-abcdefghijklmnop';
const together = await launchTwins({ twins: ['slack', 'jira'], controlToken: TOKEN });
const apart = await launchTwins({ twins: ['jira'], controlToken: TOKEN });
afterAll(async () => {
  await Promise.all([...together, ...apart].map((t) => t.running.close()));
});
const client = (url: string) => new ControlClient(`${url}/_twin`, undefined, TOKEN);

describe('a company for an app across twins', () => {
  it('is one id on every twin started together, with each twin’s variables, deleted as a whole', async () => {
    const slack = together[0].running;
    const jira = together[1].running;
    const company = await client(slack.url).createCompany({ seed: 1 }, ['slack', 'jira']);
    expect(company).toBeDefined();
    const id = company?.id as string;
    expect(company?.twins.slack?.env.SLACK_BOT_TOKEN).toMatch(/^xoxb-/);
    expect(company?.twins.jira?.env.JIRA_BASE_URL).toContain(jira.url);
    const tenantsOf = async (url: string) =>
      ((await client(url).call('GET', 'tenants', { tenant: false })) as { tenants: { id: string }[] }).tenants.map((t) => t.id);
    expect(await tenantsOf(slack.url)).toContain(id);
    expect(await tenantsOf(jira.url)).toContain(id);
    await client(slack.url).deleteCompany(id);
    expect(await tenantsOf(slack.url)).not.toContain(id);
    expect(await tenantsOf(jira.url)).not.toContain(id);
  });

  it('is refused (undefined, nothing left behind) when a twin the app needs runs in another process', async () => {
    const slack = together[0].running;
    const before = ((await client(slack.url).call('GET', 'companies', { tenant: false })) as { companies: unknown[] }).companies.length;
    expect(await client(slack.url).createCompany({ seed: 1 }, ['slack', 'okta'])).toBeUndefined();
    const after = ((await client(slack.url).call('GET', 'companies', { tenant: false })) as { companies: unknown[] }).companies.length;
    expect(after).toBe(before);
    // A lone twin's hub makes companies of that twin only.
    expect(await client(apart[0].running.url).createCompany({ seed: 1 }, ['jira', 'slack'])).toBeUndefined();
  });
});
