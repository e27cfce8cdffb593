// `twins up` as a user runs it: a real process, real ports, signals.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { killAll, twins, until } from '../support/cli.ts';

// Every temp folder a test makes is removed (each run used to leave an empty /tmp/twins-up-*).
const dirs: string[] = [];
afterEach(() => {
  killAll();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const run = (args: string[]) => twins(args);

describe('twins up', () => {
  it('--json prints exactly one JSON object with each twin URL and env, serves, and stops cleanly on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'twins-up-'));
    dirs.push(dir);
    const envFile = join(dir, 'twins.env');
    const p = run(['up', 'slack', '--port', '0', '--json', '--seed', '5', '--env-file', envFile]);
    await until(() => p.out().includes('\n'), 'the JSON line');
    const lines = p.out().trim().split('\n');
    expect(lines).toHaveLength(1);
    const parsed = JSON.parse(lines[0]);
    const slack = parsed.twins.slack;
    expect(Object.keys(parsed)).toEqual(['twins']);
    expect(slack.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(slack.control).toBe(`${slack.url}/_twin`);
    expect(slack.env).toMatchObject({ SLACK_API_URL: `${slack.url}/api/` });
    expect(slack.env.SLACK_BOT_TOKEN).toMatch(/^xoxb-/);
    expect(slack.env.SLACK_USER_TOKEN).toMatch(/^xoxp-/);
    expect(slack.env.SLACK_TEAM_ID).toMatch(/^T/);
    expect(slack.env.SLACK_SIGNING_SECRET).toBeTruthy();
    const health = await fetch(`${slack.control}/health`);
    expect(health.status).toBe(200);
    const envText = readFileSync(envFile, 'utf8');
    expect(envText).toContain(`SLACK_BOT_TOKEN=${slack.env.SLACK_BOT_TOKEN}`);
    expect(statSync(envFile).mode & 0o777).toBe(0o600);
    // The file says what is true of it (the seed fixes data, not tokens) and how to load it, and loads as it says.
    expect(envText).toContain('tokens and secrets are new');
    expect(envText).not.toContain('these values change each run');
    expect(envText).toContain('set -a; . ./THIS_FILE; set +a');
    const fromShell = execFileSync(
      'sh',
      ['-c', `set -a; . "$1"; set +a; printf '%s\n' "$SLACK_API_URL" "$SLACK_SIGNING_SECRET"`, 'sh', envFile],
      {
        encoding: 'utf8',
      },
    );
    expect(fromShell).toBe(`${slack.env.SLACK_API_URL}\n${slack.env.SLACK_SIGNING_SECRET}\n`);
    const fromNode = execFileSync(process.execPath, [`--env-file=${envFile}`, '-e', 'process.stdout.write(process.env.SLACK_BOT_TOKEN)'], {
      encoding: 'utf8',
    });
    expect(fromNode).toBe(slack.env.SLACK_BOT_TOKEN);
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    await expect(fetch(`${slack.control}/health`)).rejects.toThrow();
  });

  it('the human summary says how to load the env file, that an SDK needs the API URL too, and where the look-inside page is', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'twins-up-'));
    dirs.push(dir);
    const p = twins(['up', 'slack', '--port', '0', '--env-file', '.env.twins'], { cwd: dir });
    await until(() => p.out().includes('Ctrl-C stops the twins.'), 'the summary');
    expect(p.out()).toContain('Load them: `set -a; . ./.env.twins; set +a` in a shell, or `node --env-file=.env.twins app.js`.');
    expect(p.out()).toContain('calls the real vendor: pass it the API URL above too (SLACK_API_URL)');
    // The look-inside page is printed, and answers there.
    const ui = /look inside[^\n]*?(http:\/\/127\.0\.0\.1:\d+\/_twin\/ui)$/m.exec(p.out())?.[1];
    expect(ui, p.out()).toBeDefined();
    const page = await fetch(ui as string);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  });

  it('a port in use is a one-line error and a non-zero exit', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const p = run(['up', 'slack', '--port', String(port)]);
      expect(await p.exited).toBe(1);
      const err = p.err().trim();
      expect(err.split('\n')).toHaveLength(1);
      expect(err).toContain(`port ${port}`);
      expect(err).toContain('TWINS_PORT_IN_USE');
    } finally {
      blocker.close();
    }
  });

  it.each([
    [['up', '--port', 'eighty'], /--port must be a whole number/],
    [['up', '--bogus'], /Unknown option '--bogus'/],
    [['up', 'github'], /no twin called "github"/],
    [['fly'], /unknown command "fly"/],
  ])('rejects %j with a one-line usage error and exit 2', async (args, message) => {
    const p = run(args);
    expect(await p.exited).toBe(2);
    const err = p.err().trim();
    expect(err.split('\n')).toHaveLength(1);
    expect(err).toMatch(message);
    expect(err).toMatch(/twins --help|Choose from/);
  });
});
