// loadTask: task.yaml with its defaults, brief and public features, by id or by path; clear errors for a missing task and a bad task.yaml.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listTasks, loadTask, TASK_DEFAULTS } from '../../harness/task.ts';
import { PlatformError } from '../../src/errors.ts';

let dir: string;

function task(id: string, yaml: string, files: Record<string, string> = { 'brief.md': 'Build it.\n' }): string {
  const root = join(dir, id);
  mkdirSync(join(root, 'features'), { recursive: true });
  writeFileSync(join(root, 'task.yaml'), yaml);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(root, name), text);
  return root;
}

function error(f: () => unknown): PlatformError {
  try {
    f();
  } catch (err) {
    if (err instanceof PlatformError) return err;
    throw err;
  }
  throw new Error('expected a PlatformError');
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'twins-task-test-'));
  task('minimal', 'title: Minimal\n', {
    'brief.md': 'Build a bot.\n',
    'features/b.feature': 'Feature: b\n',
    'features/a.feature': 'Feature: a\n',
  });
  task(
    'full',
    [
      'id: full',
      'title: Full',
      'twins: [slack]',
      'app:',
      '  install: npm ci',
      '  start: node app.mjs',
      '  readyPath: /health',
      '  events: { slack: /events }',
      'limits: { agentSeconds: 5, processes: 8 }',
      '',
    ].join('\n'),
  );
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loadTask', () => {
  it('fills the defaults and reads the brief and the public features (sorted)', () => {
    const t = loadTask('minimal', { tasksDir: dir });
    expect(t.id).toBe('minimal');
    expect(t.title).toBe('Minimal');
    expect(t.twins).toEqual(['slack']);
    expect(t.app).toEqual({ install: TASK_DEFAULTS.install, start: 'npm start', readyPath: '/', events: { slack: '/slack/events' } });
    expect(t.limits).toEqual(TASK_DEFAULTS.limits);
    expect(t.brief).toBe('Build a bot.\n');
    expect(t.publicFeatures).toEqual([join(dir, 'minimal', 'features', 'a.feature'), join(dir, 'minimal', 'features', 'b.feature')]);
    expect(t.dir).toBe(join(dir, 'minimal'));
    expect(t.referenceDir).toBe(join(dir, 'minimal', 'reference'));
  });

  it('keeps what task.yaml says, with defaults only for what it leaves out', () => {
    const t = loadTask('full', { tasksDir: dir });
    expect(t.app).toEqual({ install: 'npm ci', start: 'node app.mjs', readyPath: '/health', events: { slack: '/events' } });
    expect(t.limits).toEqual({ ...TASK_DEFAULTS.limits, agentSeconds: 5, processes: 8 });
  });

  it('takes the path of a task folder too (relative to cwd)', () => {
    expect(loadTask('./full', { cwd: dir }).id).toBe('full');
    expect(loadTask(join(dir, 'minimal')).id).toBe('minimal');
  });

  it('a missing task names the tasks there are', () => {
    const e = error(() => loadTask('nope', { tasksDir: dir }));
    expect(e.code).toBe('TWINS_TASK_NOT_FOUND');
    expect(e.exitCode).toBe(2);
    expect(e.message).toContain('no task "nope"');
    expect(e.message).toContain('full, minimal');
    expect(error(() => loadTask('./nowhere', { cwd: dir })).code).toBe('TWINS_TASK_NOT_FOUND');
  });

  it('a bad task.yaml is named with what is wrong', () => {
    task('typo', 'title: T\nlimit: { agentSeconds: 5 }\n');
    expect(error(() => loadTask('typo', { tasksDir: dir })).message).toMatch(/typo\/task\.yaml: unknown key "limit"/);
    task('badpath', 'title: T\napp: { readyPath: health }\n');
    expect(error(() => loadTask('badpath', { tasksDir: dir })).message).toContain('app.readyPath must match pattern');
    task('twin', 'title: T\ntwins: [salesforce]\n');
    expect(error(() => loadTask('twin', { tasksDir: dir })).message).toContain('twins.0 must be one of slack');
    task('yaml', 'title: [unclosed\n');
    const e = error(() => loadTask('yaml', { tasksDir: dir }));
    expect(e.code).toBe('TWINS_TASK_INVALID');
    expect(e.message).toContain('not readable YAML');
    task('notitle', 'twins: [slack]\n');
    expect(error(() => loadTask('notitle', { tasksDir: dir })).message).toContain("must have required property 'title'");
    task('otherid', 'id: something-else\ntitle: T\n');
    expect(error(() => loadTask('otherid', { tasksDir: dir })).message).toContain('differs from its folder name');
    task('nobrief', 'title: T\n', {});
    expect(error(() => loadTask('nobrief', { tasksDir: dir })).message).toContain('every task needs a brief.md');
  });

  it('listTasks loads every task and reports the broken ones instead of failing', () => {
    const rows = listTasks({ tasksDir: dir });
    expect(rows.find((r) => r.id === 'full')?.task?.title).toBe('Full');
    expect(rows.find((r) => r.id === 'typo')?.error).toContain('unknown key');
  });
});
