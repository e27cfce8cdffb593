// Company steps: one person across the twins of the run (Okta, Slack, Jira), hired the same everywhere and observed in each.

import { step } from '../support/define.ts';
import { patientStep } from '../support/patience.ts';
import type { TwinsWorld } from '../support/world.ts';

const topic = 'company';

step({
  kind: 'arrange',
  topic,
  expression: 'the company has a(n) {word} {string} in {string}',
  example: 'Given the company has an engineer "bob" in "Platform"',
  doc: "The person works at the company with that title and department in every twin of the run: ACTIVE in Okta (profile title and department, a member of the department's group), a Slack user and a Jira account, all with one email; someone who exists keeps their accounts, and the app hears nothing of it.",
  async run(this: TwinsWorld, role: string, ref: string, department: string) {
    await this.company.hire(ref, { title: role.charAt(0).toUpperCase() + role.slice(1), department });
  },
});

const STATES: Record<string, 'active' | 'deactivated'> = {
  active: 'active',
  deactivated: 'deactivated',
  inactive: 'deactivated',
};

patientStep({
  topic,
  expression: "{string}'s {word} account is {word}",
  example: 'Then "bob"\'s Slack account is deactivated',
  doc: "Waits {wait} for the person's account in Slack, Jira or Okta to be `active` or `deactivated` (`inactive`): Slack's deleted flag, Jira's active flag, Okta's status (DEPROVISIONED or SUSPENDED count as deactivated).",
  async run(this: TwinsWorld, waitMs: number | undefined, ref: string, twinWord: string, stateWord: string) {
    const twin = twinWord.toLowerCase();
    if (twin !== 'slack' && twin !== 'jira' && twin !== 'okta') throw new Error(`the account is in Slack, Jira or Okta, not "${twinWord}"`);
    const wanted = STATES[stateWord.toLowerCase()];
    if (!wanted) throw new Error(`an account is active or deactivated (inactive), not "${stateWord}"`);
    if (!this.company.has(twin)) throw new Error(`this run has no ${twinWord} twin`);
    let last = 'not found';
    await this.waitFor(
      async () => {
        const person = await this.company.person(ref);
        const now =
          twin === 'slack'
            ? person.slack && (person.slack.deleted ? 'deactivated' : 'active')
            : twin === 'jira'
              ? person.jira && (person.jira.active ? 'active' : 'deactivated')
              : person.okta && (['DEPROVISIONED', 'SUSPENDED'].includes(person.okta.status) ? 'deactivated' : 'active');
        last = now ?? `no ${twinWord} account`;
        return now === wanted;
      },
      {
        timeoutMs: waitMs,
        describe: `${ref}'s ${twinWord} account to be ${wanted}`,
        extra: async () => `${ref}'s ${twinWord} account: ${last}`,
      },
    );
  },
});
