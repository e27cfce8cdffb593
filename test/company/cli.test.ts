// `twins init` and `twins up --company` from the real launcher: the example written, refused twice, a bad file stopped naming its fields.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { companyPlan } from '../../src/company/spec.ts';
import { killAll, twins } from '../support/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'twins-company-'));
afterAll(() => {
  killAll();
  rmSync(dir, { recursive: true, force: true });
});

describe('twins init', () => {
  it('writes a commented company.yaml that loads, and will not overwrite it without --force', async () => {
    const first = twins(['init'], { cwd: dir });
    expect(await first.exited).toBe(0);
    expect(first.out()).toContain('twins up --company company.yaml');
    const text = readFileSync(join(dir, 'company.yaml'), 'utf8');
    expect(text).toMatch(/^# A company across the twins/);
    expect(companyPlan(parseYaml(text)).people.length).toBeGreaterThan(3);

    const again = twins(['init'], { cwd: dir });
    expect(await again.exited).toBe(1);
    expect(again.err()).toContain('TWINS_INIT_EXISTS');
    const forced = twins(['init', '--force'], { cwd: dir });
    expect(await forced.exited).toBe(0);
  }, 60_000);
});

describe('twins up --company', () => {
  it('stops on a bad company file with exit 2, naming each bad field', async () => {
    writeFileSync(join(dir, 'bad.yaml'), 'name: Bad Co\npeople:\n  - name: Al Bo\n    status: gone\n  - name: Cy Do\n    favourite: tea\n');
    const run = twins(['up', '--port', '0', '--company', join(dir, 'bad.yaml')], { env: { TWINS_CONTROL_TOKEN: undefined } });
    expect(await run.exited).toBe(2);
    expect(run.err()).toContain('TWINS_COMPANY_INVALID');
    expect(run.err()).toContain('people[0].status must be one of "active", "staged", "suspended", "deactivated"');
    expect(run.err()).toContain('people[1].favourite is not a field a company file has');
    writeFileSync(join(dir, 'refs.yaml'), 'name: Bad Co\npeople:\n  - name: Al Bo\n    manager: zed\n');
    const refs = twins(['up', '--port', '0', '--company', join(dir, 'refs.yaml')], { env: { TWINS_CONTROL_TOKEN: undefined } });
    expect(await refs.exited).toBe(2);
    expect(refs.err()).toContain('people[0].manager: no person has the handle "zed"');
    const missing = twins(['up', '--port', '0', '--company', join(dir, 'nope.yaml')]);
    expect(await missing.exited).toBe(2);
    expect(missing.err()).toMatch(/nope\.yaml is not a valid company:\s+cannot be read \(ENOENT\)/);
  }, 90_000);
});
