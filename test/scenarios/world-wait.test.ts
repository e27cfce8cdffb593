// Bounded patience: eventually returns as soon as it can and says what it saw when it cannot; never watches the whole window.

import { describe, expect, it } from 'vitest';
import { eventually, never, WaitError } from '../../scenarios/support/wait.ts';

describe('eventually', () => {
  it('returns the first value the check finds', async () => {
    let n = 0;
    const started = Date.now();
    const value = await eventually(() => (++n >= 3 ? `found on try ${n}` : undefined), { timeoutMs: 2000, describe: 'the third try' });
    expect(value).toBe('found on try 3');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('on timeout names what it waited for and what it saw', async () => {
    const started = Date.now();
    const err = await eventually(() => false, {
      timeoutMs: 200,
      describe: 'a message matching /x/ in #ops',
      saw: () => '#ops holds: "y"',
    }).catch((e) => e);
    expect(err).toBeInstanceOf(WaitError);
    expect(err.message).toMatch(/^waited 0\.2 s for a message matching \/x\/ in #ops, in vain\.\n#ops holds: "y"$/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(195);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('treats a throwing check as "not yet" and reports its last error', async () => {
    const err = await eventually(
      () => {
        throw new Error('channel_not_found');
      },
      { timeoutMs: 100, describe: 'anything' },
    ).catch((e) => e);
    expect(err.message).toContain('the last check failed: channel_not_found');
  });

  it('still reports when collecting what it saw fails', async () => {
    const err = await eventually(() => undefined, {
      timeoutMs: 50,
      describe: 'anything',
      saw: () => {
        throw new Error('twin down');
      },
    }).catch((e) => e);
    expect(err.message).toContain('could not collect what was there: twin down');
  });
});

describe('never', () => {
  it('passes only after the whole window', async () => {
    const started = Date.now();
    await never(() => undefined, { timeoutMs: 300, describe: 'message' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(295);
  });

  it('fails as soon as something appears, saying what', async () => {
    let n = 0;
    const started = Date.now();
    const err = await never(() => (++n >= 2 ? { text: 'deployed' } : undefined), {
      timeoutMs: 5000,
      describe: 'message matching /deployed/ in #ops',
      render: (m) => `"${m.text}"`,
    }).catch((e) => e);
    expect(err).toBeInstanceOf(WaitError);
    expect(err.message).toMatch(/^expected no message matching \/deployed\/ in #ops for 5 s, but saw: "deployed"/);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('fails when it cannot look', async () => {
    await expect(
      never(
        () => {
          throw new Error('twin down');
        },
        { timeoutMs: 100, describe: 'anything' },
      ),
    ).rejects.toThrow('twin down');
  });
});
