// The scenario's company: one person across the twins the run has (Okta, Slack, Jira), hired the same everywhere and found by name in each, so a scenario can arrange in Okta, act in Slack and observe in Jira.

import type { SlackStateView, SlackUser } from './control-client.ts';
import type { OktaStateView, OktaUserView } from './okta-client.ts';
import type { TwinsWorld } from './world.ts';

/** One person of the company as each twin knows them; a twin the run does not have, or where they have no account, is undefined. */
export interface CompanyPerson {
  ref: string;
  okta?: { id: string; login: string; status: string };
  slack?: { id: string; name: string; deleted: boolean };
  jira?: { accountId: string; active: boolean };
}

const lower = (v: unknown) => (typeof v === 'string' ? v.toLowerCase() : '');
const capitalised = (w: string) => w.charAt(0).toUpperCase() + w.slice(1);

/**
 * The company of one scenario: its tenants on Okta, Slack and Jira taken together. People are
 * named as the features write them (`bob`): in each twin, the person of that email, login, user
 * name or first name (`hire` gives them the same email everywhere).
 *
 * @example
 *   await world.company.hire('bob', { title: 'Engineer', department: 'Platform' });
 *   (await world.company.person('bob')).jira?.accountId;
 */
export class CompanyClient {
  constructor(private readonly world: TwinsWorld) {}

  /** Whether the run has this twin. */
  has(twin: 'okta' | 'slack' | 'jira'): boolean {
    return Boolean(this.world.parameters.twins?.[twin]);
  }

  /** The company's email domain: the Okta org's, else the Slack workspace's, else the Jira site's. */
  async emailDomain(): Promise<string> {
    if (this.has('okta')) {
      const state = await this.world.okta.state();
      const login = state.users[state.adminUserId]?.profile.login;
      if (typeof login === 'string' && login.includes('@')) return login.split('@')[1];
    }
    if (this.has('slack')) {
      const admin = Object.values((await this.world.slack.state()).users).find((u) => u.profile.email?.includes('@'));
      if (admin?.profile.email) return admin.profile.email.split('@')[1];
    }
    return this.world.jira.emailDomain();
  }

  /**
   * The person works at the company with this title and department, in every twin of the run:
   * Okta (ACTIVE, department and title in the profile, a member of the department's group, made
   * when missing), Slack (a user of that name and email) and Jira (an account of that email). A
   * person who exists already keeps their accounts and gets the title and department. Quietly:
   * the app hears nothing of it.
   */
  async hire(ref: string, job: { title: string; department: string }): Promise<CompanyPerson> {
    const handle = ref.includes('@') ? ref.split('@')[0] : ref;
    const domain = await this.emailDomain();
    const email = ref.includes('@') ? ref : `${handle.toLowerCase()}@${domain}`;
    const name = capitalised(handle.split(/[._-]/)[0]);
    const lastName = capitalised(handle.split(/[._-]/)[1] ?? 'Twin');
    if (this.has('okta')) {
      const okta = this.world.okta;
      await okta.quietly(async () => {
        let state = await okta.state();
        let user = okta.findUser(state, ref);
        if (user)
          await okta.api('POST', `/api/v1/users/${user.id}`, { body: { profile: { title: job.title, department: job.department } } });
        else {
          const env = await okta.credentials();
          user = (
            await okta.api<OktaUserView>('POST', '/api/v1/users', {
              query: { activate: true },
              body: {
                profile: { login: email, email, firstName: name, lastName, title: job.title, department: job.department, nickName: handle },
                credentials: { password: { value: env.OKTA_TEST_PASSWORD } },
              },
            })
          ).body;
        }
        state = await okta.state();
        let group = okta.findGroup(state, job.department);
        if (!group) {
          await okta.api('POST', '/api/v1/groups', {
            body: { profile: { name: job.department, description: `People in ${job.department}` } },
          });
          group = okta.resolveGroup(await okta.state(), job.department);
        }
        if (!group.members.includes(user.id)) await okta.api('PUT', `/api/v1/groups/${group.id}/users/${user.id}`);
      });
    }
    if (this.has('slack')) {
      const slack = this.world.slack;
      const existing = this.slackUser(await slack.state(), ref, email);
      await this.world.quietly(async () => {
        if (existing) await slack.updateUser(existing.id, { title: job.title } as Parameters<typeof slack.updateUser>[1]);
        else await slack.createUser({ username: handle.toLowerCase(), real_name: `${name} ${lastName}`, display_name: handle, email });
      });
    }
    if (this.has('jira')) {
      const jira = this.world.jira;
      if (!(await jira.person(ref)) && !(await jira.person(email))) {
        await jira.quietly(() =>
          jira.api('POST', '/rest/api/2/user', { emailAddress: email, displayName: `${name} ${lastName}`, products: ['jira-software'] }),
        );
        jira.forgetPeople();
      }
    }
    return this.person(ref);
  }

  private slackUser(state: SlackStateView, ref: string, email?: string): SlackUser | undefined {
    const wanted = ref.replace(/^@/, '').toLowerCase();
    const users = Object.values(state.users).filter((u) => !u.is_bot && u.id !== 'USLACKBOT');
    return (
      state.users[ref] ??
      users.find((u) => (email && lower(u.profile.email) === email.toLowerCase()) || lower(u.profile.email) === wanted) ??
      users.find((u) => u.name.toLowerCase() === wanted || u.profile.display_name.toLowerCase() === wanted) ??
      users.find((u) => u.real_name.toLowerCase() === wanted || u.real_name.split(' ')[0].toLowerCase() === wanted)
    );
  }

  /**
   * The person in every twin of the run: Okta by login, email or first name; Slack and Jira by the
   * Okta email first (so the same person is found even when names repeat), else by name.
   */
  async person(ref: string): Promise<CompanyPerson> {
    const out: CompanyPerson = { ref };
    let email: string | undefined = ref.includes('@') ? ref.toLowerCase() : undefined;
    if (this.has('okta')) {
      const state: OktaStateView = await this.world.okta.state();
      const user = this.world.okta.findUser(state, ref);
      if (user) {
        out.okta = { id: user.id, login: String(user.profile.login), status: user.status };
        email = lower(user.profile.email) || email;
      }
    }
    if (this.has('slack')) {
      const user = this.slackUser(await this.world.slack.state(), ref, email);
      if (user) out.slack = { id: user.id, name: user.name, deleted: Boolean(user.deleted) };
    }
    if (this.has('jira')) {
      const jira = this.world.jira;
      jira.forgetPeople();
      const found = (email ? await jira.person(email) : undefined) ?? (await jira.person(ref));
      if (found) {
        const account = await jira.api<{ active?: boolean }>('GET', `/rest/api/3/user?accountId=${encodeURIComponent(found.accountId)}`);
        out.jira = { accountId: found.accountId, active: account.active !== false };
      }
    }
    if (!out.okta && !out.slack && !out.jira)
      throw new Error(`no one called "${ref}" in the company; hire them with: Given the company has an engineer "${ref}" in "Platform"`);
    return out;
  }
}
