// The Okta twin's inspector view (twins/okta/inspect.ts) through the feed: people with status, groups with members, apps, event hooks, the System Log; no secret shown.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKernel, type Kernel } from '../../src/index.ts';
import type { InspectorSection } from '../../src/kernel/types.ts';
import { oktaTwin } from '../../twins/okta/index.ts';
import type { Json } from './support.ts';

const BASE = 'http://okta.inspect.test';

describe('the Okta inspector view', () => {
  let kernel: Kernel<unknown, unknown>;
  let env: Record<string, string>;
  const api = async (method: string, path: string, body?: unknown): Promise<Json> => {
    const res = await kernel.fetch(`${BASE}${path}`, {
      method,
      headers: { authorization: `SSWS ${env.OKTA_API_TOKEN}`, accept: 'application/json', 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(res.status, `${method} ${path}`).toBeLessThan(300);
    const text = await res.text();
    return text ? (JSON.parse(text) as Json) : {};
  };
  const view = async (): Promise<InspectorSection[]> => {
    const res = await kernel.fetch(`${BASE}/_twin/ui/feed?tenant=default`);
    expect(res.status).toBe(200);
    const feed = (await res.json()) as Json;
    expect(feed.view.source).toBe('twin');
    return feed.view.sections as InspectorSection[];
  };
  const section = (sections: InspectorSection[], title: string) => {
    const s = sections.find((x) => x.title === title);
    if (!s) throw new Error(`no section "${title}" in ${sections.map((x) => x.title).join(', ')}`);
    return s;
  };
  const rowsOf = (s: InspectorSection) => (s.kind === 'table' ? s.rows : []);

  beforeAll(() => {
    kernel = createKernel(oktaTwin, { rateLimits: false, seed: 4 }) as Kernel<unknown, unknown>;
    env = kernel.env(kernel.tenants.default(), BASE);
  });
  afterAll(() => kernel?.close());

  it('shows a person’s status change, group membership, an event hook and the System Log, newest first', async () => {
    const person = await api('POST', '/api/v1/users?activate=true', {
      profile: { firstName: 'Ines', lastName: 'Pector', email: 'ines@example.test', login: 'ines@example.test' },
      credentials: { password: { value: 'Look-inside-42!' } },
    });
    const group = await api('POST', '/api/v1/groups', { profile: { name: 'Inspectors', description: 'who looks inside' } });
    await api('PUT', `/api/v1/groups/${group.id}/users/${person.id}`);
    await api('POST', '/api/v1/eventHooks', {
      name: 'hr sync',
      events: { type: 'EVENT_TYPE', items: ['user.lifecycle.suspend'] },
      channel: {
        type: 'HTTP',
        version: '1.0.0',
        config: {
          uri: 'http://127.0.0.1:9/hooks',
          headers: [],
          authScheme: { type: 'HEADER', key: 'Authorization', value: 'hook-secret-value-123' },
        },
      },
    });
    await api('POST', `/api/v1/users/${person.id}/lifecycle/suspend`);

    const sections = await view();
    expect(sections.map((s) => s.title)).toEqual(['Org', 'People', 'Groups', 'Apps', 'Event hooks', 'System Log (newest first)']);
    const people = rowsOf(section(sections, 'People'));
    const ines = people.find((r) => r[0] === person.id);
    expect(ines?.slice(1, 5)).toEqual(['ines@example.test', 'Ines Pector', 'SUSPENDED', 'Everyone, Inspectors']);
    const groups = rowsOf(section(sections, 'Groups'));
    expect(groups.find((r) => r[0] === group.id)).toEqual([group.id, 'Inspectors', 'OKTA_GROUP', 1, 'ines@example.test']);
    const hooks = rowsOf(section(sections, 'Event hooks'));
    expect(hooks).toHaveLength(1);
    expect(hooks[0].slice(1)).toEqual([
      'hr sync',
      'ACTIVE',
      'UNVERIFIED',
      'http://127.0.0.1:9/hooks',
      'user.lifecycle.suspend',
      'Authorization (value hidden)',
    ]);
    const log = section(sections, 'System Log (newest first)');
    if (log.kind !== 'list') throw new Error('the System Log is a list');
    expect(log.items[0].title).toBe('user.lifecycle.suspend');
    expect(log.items[0].tags).toContain('User ines@example.test');
    expect(log.items.map((i) => i.title)).toContain('group.user_membership.add');
    // The seeded apps are listed by label and type, with who may sign in.
    expect(rowsOf(section(sections, 'Apps')).length).toBeGreaterThanOrEqual(1);
  });

  it('never shows the API token, client ids or secrets, passwords or a hook’s authorization value', async () => {
    const shown = JSON.stringify(await view());
    for (const secret of [
      env.OKTA_API_TOKEN,
      env.OKTA_CLIENT_ID,
      env.OKTA_CLIENT_SECRET,
      env.OKTA_SERVICE_CLIENT_ID,
      env.OKTA_TEST_PASSWORD,
    ]) {
      expect(secret.length).toBeGreaterThan(5);
      expect(shown).not.toContain(secret);
    }
    expect(shown).not.toContain('hook-secret-value-123');
    expect(shown).not.toContain('Look-inside-42!');
    expect(shown).not.toContain('PRIVATE KEY');
  });
});
