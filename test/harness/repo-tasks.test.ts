// The repository's own tasks as a fresh CI machine sees them: without the vault identity, their sealed holdouts are intact and counted.

import { describe, expect, it } from 'vitest';
import { twins } from '../support/cli.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
// No identity anywhere: what CI and an agent have.
const NO_IDENTITY = { HOME: '/nonexistent', TWINS_VAULT_IDENTITY: undefined };

describe("the repository's tasks and vault", () => {
  it('every sealed holdout matches the vault index (hashes only, nothing decrypted)', async () => {
    const r = twins(['vault', 'verify', '--hashes-only'], { cwd: ROOT, env: NO_IDENTITY });
    expect(await r.exited, r.err()).toBe(0);
    expect(r.out()).toMatch(/Vault verified: \d+ holdouts checked/);
    expect(r.out()).not.toMatch(/^(?!ok ).*\.feature\.age/m);
  });

  it('each task has the public features and at least 8 holdout scenarios the issue asks for', async () => {
    const r = twins(['task', 'list'], { cwd: ROOT, env: NO_IDENTITY });
    expect(await r.exited, r.err()).toBe(0);
    for (const id of ['incident-bot', 'standup-bot']) {
      const line =
        r
          .out()
          .split('\n')
          .find((l) => l.startsWith(id)) ?? '';
      const holdouts = Number(/(\d+) holdout scenario/.exec(line)?.[1] ?? 0);
      expect(holdouts, line).toBeGreaterThanOrEqual(8);
      expect(line).toMatch(/\d+ public feature file/);
    }
  });
});
