import { describe, expect, it } from 'vitest';
import { whenIdle } from './idle.ts';

/** Keep the event loop busy (short synchronous slices, as start-up is) until `done()` says stop. */
async function busyUntil(done: () => boolean): Promise<void> {
  while (!done()) {
    const until = performance.now() + 20;
    while (performance.now() < until) {
      // spin
    }
    await new Promise((r) => setImmediate(r));
  }
}

describe('whenIdle', () => {
  it('runs once the process is quiet', async () => {
    let ran = 0;
    await new Promise<void>((resolve) =>
      whenIdle(
        () => {
          ran++;
          resolve();
        },
        { minWaitMs: 10, intervalMs: 10 },
      ),
    );
    expect(ran).toBe(1);
  });

  it('waits while the event loop stays busy, and runs when it goes quiet', async () => {
    let ran = false;
    let busyChecks = 0;
    const done = new Promise<void>((resolve) =>
      whenIdle(
        () => {
          ran = true;
          resolve();
        },
        { minWaitMs: 10, intervalMs: 10, maxWaitMs: 60_000 },
      ),
    );
    // Busy through many of its checks: it must not run during any of them.
    const started = performance.now();
    await busyUntil(() => {
      if (ran) return true;
      busyChecks++;
      return performance.now() - started > 300;
    });
    expect(ran).toBe(false);
    expect(busyChecks).toBeGreaterThan(5);
    await done;
    expect(ran).toBe(true);
  });

  it('runs after maxWaitMs even when the process never goes quiet, and can be cancelled', async () => {
    let ran = false;
    whenIdle(
      () => {
        ran = true;
      },
      { minWaitMs: 10, intervalMs: 10, maxWaitMs: 50 },
    );
    await busyUntil(() => ran);
    expect(ran).toBe(true);
    let cancelledRan = false;
    const cancel = whenIdle(
      () => {
        cancelledRan = true;
      },
      { minWaitMs: 10 },
    );
    cancel();
    await new Promise((r) => setTimeout(r, 50));
    expect(cancelledRan).toBe(false);
  });
});
