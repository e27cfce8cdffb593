// The inspector's feed for twins without an inspect hook: their sealed snapshot state as readable tables, so a new twin shows up with no work and no secret.

import { afterAll, describe, expect, it } from 'vitest';
import { toyTwin } from '../../test/kernel/toy-twin.ts';
import { createKernel } from '../host.ts';
import type { Kernel } from '../kernel/kernel.ts';
import type { InspectorSection } from '../kernel/types.ts';
import { loadTwin, TWIN_NAMES } from '../registry.ts';
import { FEED_LIMITS, snapshotView } from './inspector.ts';

const section = (sections: InspectorSection[], title: string) => sections.find((s) => s.title === title);

describe('snapshotView', () => {
  it('shows scalars as one table, collections of records as tables, and anything else as JSON', () => {
    const view = snapshotView({
      version: 1,
      name: 'acme',
      users: { u1: { id: 'u1', login: 'alice', profile: { email: 'a@x.test' } }, u2: { id: 'u2', login: 'bob' } },
      events: [{ type: 'user.created', at: 1 }],
      settings: { theme: 'dark', limit: 5 },
      mixed: { list: [1, 2], n: 3 },
      empty: {},
    });
    expect(section(view.sections, 'State')).toEqual({
      kind: 'table',
      title: 'State',
      columns: ['field', 'value'],
      rows: [
        ['version', 1],
        ['name', 'acme'],
      ],
    });
    expect(section(view.sections, 'users')).toMatchObject({
      kind: 'table',
      columns: ['key', 'id', 'login', 'profile'],
      rows: [
        ['u1', 'u1', 'alice', '{"email":"a@x.test"}'],
        ['u2', 'u2', 'bob', null],
      ],
    });
    expect(section(view.sections, 'events')).toMatchObject({ kind: 'table', columns: ['type', 'at'], rows: [['user.created', 1]] });
    expect(section(view.sections, 'settings')).toMatchObject({
      kind: 'table',
      rows: [
        ['theme', 'dark'],
        ['limit', 5],
      ],
    });
    expect(section(view.sections, 'mixed')).toEqual({ kind: 'json', title: 'mixed', value: { list: [1, 2], n: 3 } });
  });

  it('keeps big states bounded: rows, columns and cells', () => {
    const wide = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`f${i}`, 'x'.repeat(FEED_LIMITS.cellChars + 50)]));
    const rows = Array.from({ length: FEED_LIMITS.rows + 20 }, () => wide);
    const table = section(snapshotView({ rows }).sections, 'rows');
    if (table?.kind !== 'table') throw new Error('expected a table');
    expect(table.columns).toHaveLength(FEED_LIMITS.columns);
    expect(table.rows).toHaveLength(FEED_LIMITS.rows);
    expect(table.note).toBe(`the first ${FEED_LIMITS.rows} of ${FEED_LIMITS.rows + 20} rows`);
    expect(String(table.rows[0][0]).length).toBeLessThan(FEED_LIMITS.cellChars + 40);
  });
});

describe('the feed of a twin with no inspect hook', () => {
  const kernels: Kernel<unknown, unknown>[] = [];
  afterAll(() => {
    for (const k of kernels) k.close();
  });

  it('shows the toy twin tenant as tables, its token sealed', async () => {
    const kernel = createKernel(toyTwin, { seed: 1 }) as Kernel<unknown, unknown>;
    kernels.push(kernel);
    const token = kernel.env(kernel.tenants.default(), 'http://toy.test').TOY_TOKEN;
    const created = await kernel.fetch('http://toy.test/notes', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ text: '<b>hi</b>' }),
    });
    expect(created.status).toBe(201);
    const res = await kernel.fetch('http://toy.test/_twin/ui/feed');
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain(token);
    const feed = JSON.parse(text);
    expect(feed.view.source).toBe('snapshot');
    expect(section(feed.view.sections, 'notes')).toEqual({
      kind: 'table',
      title: 'notes',
      columns: ['id', 'text'],
      rows: [[1, '<b>hi</b>']],
    });
    expect(section(feed.view.sections, 'State')?.kind).toBe('table');
    expect(feed.journal.entries[0]).toMatchObject({ operation: 'createNote', status: 201 });
  });

  it.each(TWIN_NAMES.filter((name) => name !== 'slack'))(
    'the %s twin shows up on the page with no work and no credential',
    async (name) => {
      const def = await loadTwin(name);
      const kernel = createKernel(def, { seed: 2 }) as Kernel<unknown, unknown>;
      kernels.push(kernel);
      const res = await kernel.fetch('http://twin.test/_twin/ui/feed');
      expect(res.status).toBe(200);
      const text = await res.text();
      const feed = JSON.parse(text);
      // A twin that grew a view of its own shows that; until then, its snapshot state.
      expect(feed).toMatchObject({ twin: name, tenant: 'default', view: { source: def.inspect ? 'twin' : 'snapshot' } });
      expect(feed.view.sections.length).toBeGreaterThan(0);
      for (const credential of kernel.def.credentialKeys(kernel.tenants.default().state)) expect(text).not.toContain(credential);
    },
  );
});
