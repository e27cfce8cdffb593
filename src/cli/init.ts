// `twins init`: write a commented example company file for `twins up --company`.

import { existsSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { EXAMPLE_COMPANY_YAML } from '../company/example.ts';
import { PlatformError } from '../errors.ts';

const USAGE = `Usage: twins init [FILE] [--force]

Write a commented example company file (default company.yaml): people, groups, channels, projects,
issues, apps and provisioning, the same company in Okta, Slack and Jira. Edit it, then
  twins up --company company.yaml
  --force   overwrite FILE when it exists
Format: docs/company.md (schema: schemas/company.schema.json).`;

/** Run `twins init`; returns the exit code. */
export async function initCommand(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    throw new PlatformError('TWINS_USAGE', (err as Error).message.replace(/\. To specify.*$/s, ''), 'Run `twins init --help` for usage.');
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (positionals.length > 1)
    throw new PlatformError('TWINS_USAGE', 'twins init takes one file name', 'Run `twins init --help` for usage.');
  const file = positionals[0] ?? 'company.yaml';
  if (existsSync(file) && !values.force)
    throw new PlatformError('TWINS_INIT_EXISTS', `${file} exists already`, 'Pass another file name, or --force to overwrite it.');
  writeFileSync(file, EXAMPLE_COMPANY_YAML);
  process.stdout.write(`wrote ${file}: edit it, then \`twins up --company ${file}\`\n`);
  return 0;
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: { force: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
}
