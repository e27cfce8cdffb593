// `twins vault init | verify | reseal`: make the identity and the vault's recipients; check every sealed holdout; seal them again to new recipients.

import { parseArgs } from 'node:util';
import { PlatformError } from '../errors.ts';

const HELP = `twins vault: the sealed holdout vault (see docs/security.md)

Usage:
  twins vault init   [--identity FILE] [--vault DIR]
  twins vault verify [--identity FILE] [--vault DIR] [--hashes-only] [--json]
  twins vault reseal [--identity FILE] [--vault DIR]

init     make an age X25519 identity outside the repository (default ~/.config/twins/vault-identity.txt,
         or $TWINS_VAULT_IDENTITY; mode 0600) and add its public recipient to DIR/recipients.txt.
         Never overwrites an identity.
verify   check every holdout listed in DIR/index.json: its sealed file exists, matches the index's
         sha256, and opens with the identity; report any sealed file the index does not list.
         Exits non-zero, naming the files, when anything is wrong. Warns when holdouts open for
         fewer than two recipients (one lost identity would lose them: docs/vault.md, "Key custody").
reseal   open every holdout with the identity and seal it again to the recipients now in
         recipients.txt (after adding a person, so they can open the older holdouts too; after
         removing one, so new copies no longer open for them).

  --identity FILE  the identity file (default $TWINS_VAULT_IDENTITY, else the identity's text in
                   $TWINS_VAULT_IDENTITY_DATA, as CI secret stores hand it over; else
                   ~/.config/twins/vault-identity.txt)
  --vault DIR      the vault folder (default scenarios/vault)
  --hashes-only    verify without the identity: presence and hashes only, nothing decrypted
  --json           print the verify report as one JSON object`;

function usage(message: string): PlatformError {
  return new PlatformError('TWINS_USAGE', message, 'Run `twins vault --help` for usage.');
}

function parse(argv: string[], extra: Record<string, { type: 'boolean' }>) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: false,
      strict: true,
      options: { identity: { type: 'string' }, vault: { type: 'string' }, ...extra },
    }).values as { identity?: string; vault?: string; json?: boolean; 'hashes-only'?: boolean };
  } catch (err) {
    throw usage((err as Error).message.replace(/\. To specify.*$/s, ''));
  }
}

const out = (line = '') => process.stdout.write(`${line}\n`);
const warn = (line: string) => process.stderr.write(`twins: warning: ${line}\n`);

/** `twins vault …`: returns the exit code; failures are thrown as PlatformError for main to print. */
export async function vaultCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    out(HELP);
    return sub === undefined ? 2 : 0;
  }
  // Loaded here, not at the top, so `twins up` does not pay for age and gherkin at start-up.
  const vault = await import('../vault/index.ts');
  const { shown } = await import('../vault/paths.ts');
  if (sub === 'init') {
    const v = parse(rest, {});
    const identityPath = vault.resolveIdentityPath(v.identity);
    // init writes a new identity file; an identity that exists only as a variable's text has none to write.
    if (identityPath === vault.IDENTITY_FROM_ENV)
      throw usage(`${vault.IDENTITY_DATA_ENV} already holds an identity; to make a new one, pass --identity FILE (outside the repository)`);
    const r = await vault.initVault({ vaultDir: v.vault ?? vault.defaultVaultDir(), identityPath });
    out(`Created the vault identity ${r.identityPath} (mode 0600${r.createdDir ? '; its folder was created, mode 0700' : ''}).`);
    out(`Its public recipient: ${r.recipient}`);
    if (r.appended) {
      out(`Appended it to ${shown(r.recipientsPath)}: the vault now has ${r.recipients} recipients.`);
      if (r.sealedBefore > 0)
        out(
          `The ${r.sealedBefore} holdout${r.sealedBefore === 1 ? ' sealed before now stays' : 's sealed before now stay'} readable only by the identities they were sealed to, not this one; holdouts added from now on are sealed to all ${r.recipients}. To open the older ones with this identity, someone who can open them runs \`twins vault reseal\`.`,
        );
      else out(`No holdout is sealed yet: every holdout added from now on is sealed to all ${r.recipients} recipients.`);
    } else out(`Wrote ${shown(r.recipientsPath)} (1 recipient) and the vault index.`);
    out();
    out('Keep the identity secret: outside every repository and every agent sandbox, and backed up (without it nobody');
    out('can open the holdouts). Commit the vault folder. To let another person open new holdouts, append their');
    out('`age1…` recipient as a line of recipients.txt.');
    if (r.identityPath !== vault.defaultIdentityPath() && !process.env[vault.IDENTITY_ENV])
      out(`Point twins at the identity with --identity ${r.identityPath} or ${vault.IDENTITY_ENV}=${r.identityPath}.`);
    return 0;
  }
  if (sub === 'verify') {
    const v = parse(rest, { json: { type: 'boolean' }, 'hashes-only': { type: 'boolean' } });
    const report = await vault.verifyVault({
      vaultDir: v.vault ?? vault.defaultVaultDir(),
      identityPath: v['hashes-only'] ? undefined : vault.resolveIdentityPath(v.identity),
      hashesOnly: v['hashes-only'],
    });
    for (const w of report.warnings) warn(w);
    if (v.json) out(JSON.stringify(report));
    else {
      for (const f of report.findings) {
        const what = f.status === 'ok' ? `task ${f.task}, ${f.scenarios} scenario${f.scenarios === 1 ? '' : 's'}` : f.detail;
        out(`${f.status === 'ok' ? 'ok' : f.status.toUpperCase()}  ${f.file}  ${what}`);
      }
    }
    const err = vault.verifyError(report);
    if (err) throw err;
    if (!v.json) {
      const id = report.identityPath === vault.IDENTITY_FROM_ENV ? `$${vault.IDENTITY_DATA_ENV}` : shown(report.identityPath ?? '');
      const how = report.decrypted
        ? `each opens with ${id} and matches the index`
        : 'each matches the index (hashes only, nothing decrypted)';
      const demo = report.demo ? ' A demo vault: its identity ships with it, so nothing in it is secret.' : '';
      out(`Vault verified: ${report.holdouts} holdout${report.holdouts === 1 ? '' : 's'} checked; ${how}.${demo}`);
    }
    return 0;
  }
  if (sub === 'reseal') {
    const v = parse(rest, {});
    const r = await vault.resealVault({
      vaultDir: v.vault ?? vault.defaultVaultDir(),
      identityPath: vault.resolveIdentityPath(v.identity),
    });
    for (const note of r.recovered) warn(note);
    out(
      `Resealed ${r.resealed.length} holdout${r.resealed.length === 1 ? '' : 's'} to the ${r.recipients} recipient${r.recipients === 1 ? '' : 's'} in recipients.txt` +
        (r.unchanged.length > 0 ? ` (${r.unchanged.length} already were).` : '.'),
    );
    if (r.resealed.length > 0)
      out('Commit the vault folder. Earlier versions in version control stay readable by the recipients they were sealed to.');
    return 0;
  }
  throw usage(`unknown vault command "${sub}"`);
}
