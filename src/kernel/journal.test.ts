// Unit tests of the journal's bounded, redacted summaries and of what it keeps of requests no tenant owns.

import { describe, expect, it } from 'vitest';
import { JOURNAL_LIMITS, Journal, type JournalRecord, summarise } from './journal.ts';

const entry = (over: Partial<JournalRecord>): JournalRecord => ({
  at: 0,
  method: 'POST',
  path: '/api/x',
  status: 200,
  durationMs: 1,
  ...over,
});

describe('summarise', () => {
  it('redacts credentials at any depth', () => {
    expect(summarise({ token: 'xoxb-1', nested: { client_secret: 's', ok: 1 } })).toEqual({
      token: '[redacted]',
      nested: { client_secret: '[redacted]', ok: 1 },
    });
  });

  it('cuts long strings, long arrays, many keys and deep values, saying what it left out', () => {
    const long = summarise({ text: 'x'.repeat(100_000) }) as { text: string };
    expect(long.text.length).toBeLessThan(JOURNAL_LIMITS.stringChars + 40);
    expect(long.text).toMatch(/more characters\]$/);
    const items = summarise(Array.from({ length: 1000 }, (_, i) => i)) as unknown[];
    expect(items.length).toBe(JOURNAL_LIMITS.items + 1);
    expect(items.at(-1)).toBe(`…[${1000 - JOURNAL_LIMITS.items} more items]`);
    const keys = summarise(Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, i]))) as Record<string, unknown>;
    expect(Object.keys(keys).length).toBe(JOURNAL_LIMITS.items + 1);
    let deep: unknown = 1;
    for (let i = 0; i < 5000; i++) deep = [deep];
    expect(() => JSON.stringify(summarise({ deep }))).not.toThrow();
  });

  it('keeps the whole summary within the budget, however many strings there are', () => {
    const many = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, 'y'.repeat(5000)]));
    expect(JSON.stringify(summarise(many)).length).toBeLessThan(JOURNAL_LIMITS.argsChars + 4096);
  });

  it('keeps a __proto__ key as data, never as a prototype', () => {
    const args = JSON.parse('{"__proto__":{"polluted":true},"a":1}') as unknown;
    const out = summarise(args) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBeNull();
    expect(Object.hasOwn(out, '__proto__')).toBe(true);
    expect(out.polluted).toBeUndefined();
    expect(JSON.parse(JSON.stringify(out))).toEqual(JSON.parse('{"__proto__":{"polluted":true},"a":1}'));
  });
});

describe('Journal', () => {
  it('keeps no arguments of a request no tenant owns, and summaries of the rest', () => {
    const journal = new Journal(10);
    const huge = { text: 'z'.repeat(1_000_000) };
    journal.record(entry({ args: huge }));
    journal.record(entry({ tenant: 't1', args: { ...huge, token: 'xoxb-secret' } }));
    const [anonymous, owned] = journal.query();
    expect(anonymous.args).toBeUndefined();
    expect(JSON.stringify(owned).length).toBeLessThan(16_384);
    expect(JSON.stringify(owned)).not.toContain('xoxb-secret');
  });

  it('bounds paths, methods and error codes', () => {
    const journal = new Journal(2);
    journal.record(entry({ path: `/${'p'.repeat(100_000)}`, method: 'M'.repeat(5000), error: 'e'.repeat(5000) }));
    const [e] = journal.query();
    expect(e.path.length).toBeLessThanOrEqual(JOURNAL_LIMITS.pathChars + 1);
    expect(e.method.length).toBeLessThanOrEqual(JOURNAL_LIMITS.pathChars + 1);
    expect((e.error as string).length).toBeLessThanOrEqual(JOURNAL_LIMITS.pathChars + 1);
  });

  it('does not keep the caller object: changing it afterwards changes nothing', () => {
    const journal = new Journal(2);
    const args: Record<string, unknown> = { text: 'before' };
    journal.record(entry({ tenant: 't', args }));
    args.text = 'after';
    expect((journal.query()[0].args as Record<string, unknown>).text).toBe('before');
  });
});
