// Steps the access-request task needed that jira.steps.ts and okta.steps.ts have not got yet: Jira delivering a webhook
// again, a webhook that does not come from Jira (a wrong X-Hub-Signature), and watching that an Okta app stays
// unassigned. Candidates to move to those files.

import { createHmac, randomUUID } from 'node:crypto';
import type { OutboundDelivery } from '../../src/kernel/outbox.ts';
import { step } from '../support/define.ts';
import { watchfulStep } from '../support/patience.ts';
import type { TwinsWorld } from '../support/world.ts';

/** `sha256=<hex HMAC-SHA256(secret, body)>`, Jira's X-Hub-Signature. */
function hubSignature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

interface ChangeItem {
  field?: string;
}

/** The changelog items of a delivered webhook body (none when it is not JSON or has no changelog). */
function changedFields(d: OutboundDelivery): string[] {
  try {
    const body = JSON.parse(d.body ?? '') as { changelog?: { items?: ChangeItem[] } };
    return (body.changelog?.items ?? []).map((i) => String(i.field ?? '').toLowerCase());
  } catch {
    return [];
  }
}

/** Where Jira sends the app its webhooks in this scenario; fails the step when nowhere. */
function webhookUrl(world: TwinsWorld): string {
  const url = world.jira.webhook?.url;
  if (!url) throw new Error('Jira sends this run no webhooks (no app under test, or the run has no Jira twin)');
  return url;
}

async function post(url: string, headers: Record<string, string>, body: string): Promise<void> {
  const res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) });
  await res.body?.cancel();
}

step({
  kind: 'act',
  topic: 'jira',
  expression: 'Jira delivers the webhook of the last {string} change to {string} again',
  example: 'When Jira delivers the webhook of the last "labels" change to "OPS-1" again',
  doc: 'Jira sends the app the newest `jira:issue_updated` delivery whose changelog changed that field of the issue once more: the same body and X-Atlassian-Webhook-Identifier, signed with JIRA_WEBHOOK_SECRET, with X-Atlassian-Webhook-Retry: 1, as Jira does when it is not sure the first one arrived; the step waits for that delivery to exist first.',
  async run(this: TwinsWorld, field: string, ref: string) {
    const key = await this.jira.key(ref);
    const url = webhookUrl(this);
    const wanted = field.toLowerCase();
    const delivery = await this.waitFor(
      async () =>
        (await this.jira.webhooks())
          .filter((d) => d.meta.webhookEvent === 'jira:issue_updated' && d.meta.issueKey === key && d.body)
          .filter((d) => changedFields(d).includes(wanted))
          .at(-1),
      { describe: `a jira:issue_updated webhook changing ${field} of ${this.jira.nameOf(key)}` },
    );
    const { env } = await this.jira.tenantInfo();
    const body = delivery.body ?? '';
    const headers: Record<string, string> = {
      'content-type': 'application/json; charset=utf-8',
      'user-agent': 'Atlassian Webhook HTTP Client',
      'x-atlassian-webhook-identifier': String(delivery.meta.identifier ?? randomUUID()),
      'x-atlassian-webhook-flow': 'Primary',
      'x-atlassian-webhook-retry': '1',
    };
    if (env.JIRA_WEBHOOK_SECRET) headers['x-hub-signature'] = hubSignature(env.JIRA_WEBHOOK_SECRET, body);
    await post(delivery.url || url, headers, body);
  },
});

step({
  kind: 'act',
  topic: 'jira',
  expression: 'a Jira webhook with a wrong signature says {string} added the label {string} to {string}',
  example: 'When a Jira webhook with a wrong signature says "carol" added the label "approved" to "OPS-1"',
  doc: "Someone who does not hold JIRA_WEBHOOK_SECRET posts the app's Jira webhook URL a `jira:issue_updated` that looks like Jira's (the issue as Jira last sent it, the label added in fields and changelog, the person as the user) but is signed (X-Hub-Signature) with another secret, so nothing changes in Jira and an app that checks signatures ignores it.",
  async run(this: TwinsWorld, who: string, label: string, ref: string) {
    const key = await this.jira.key(ref);
    const url = webhookUrl(this);
    const person = await this.jira.requirePerson(who);
    const last = await this.waitFor(
      async () =>
        (await this.jira.webhooks())
          .filter((d) => d.meta.issueKey === key && d.body && String(d.meta.webhookEvent ?? '').startsWith('jira:issue_'))
          .at(-1),
      { describe: `a webhook Jira sent the app about ${this.jira.nameOf(key)} (the forgery copies it)` },
    );
    const payload = JSON.parse(last.body ?? '{}') as {
      issue?: { self?: string; fields?: { labels?: string[] } };
      [k: string]: unknown;
    };
    const before = [...(payload.issue?.fields?.labels ?? [])];
    const after = before.includes(label) ? before : [...before, label];
    if (payload.issue?.fields) payload.issue.fields.labels = after;
    const base = String(payload.issue?.self ?? '').replace(/\/rest\/api\/.*$/, '');
    const forged = {
      ...payload,
      timestamp: Date.now(),
      webhookEvent: 'jira:issue_updated',
      issue_event_type_name: 'issue_updated',
      user: {
        self: `${base}/rest/api/2/user?accountId=${person.accountId}`,
        accountId: person.accountId,
        displayName: person.displayName,
        active: true,
        accountType: 'atlassian',
      },
      changelog: {
        id: String(900_000 + Math.floor(Math.random() * 99_999)),
        items: [
          {
            field: 'labels',
            fieldtype: 'jira',
            fieldId: 'labels',
            from: null,
            fromString: before.join(' '),
            to: null,
            toString: after.join(' '),
          },
        ],
      },
    };
    const body = JSON.stringify(forged);
    await post(
      url,
      {
        'content-type': 'application/json; charset=utf-8',
        'user-agent': 'Atlassian Webhook HTTP Client',
        'x-atlassian-webhook-identifier': randomUUID(),
        'x-atlassian-webhook-flow': 'Primary',
        'x-hub-signature': hubSignature(`not-the-secret-${randomUUID()}`, body),
      },
      body,
    );
  },
});

watchfulStep({
  topic: 'okta',
  expression: 'the Okta app {string} is never assigned to {string}',
  example: 'Then the Okta app "Payroll" is never assigned to "bob"',
  doc: 'Watches the app for {wait} and passes only if the person is not assigned to it (directly or through a group) at any point meanwhile; it always waits the full time.',
  async run(this: TwinsWorld, waitMs: number | undefined, appRef: string, ref: string) {
    const state = await this.okta.state();
    if (!this.okta.findApp(state, appRef)) throw new Error(`there is no Okta app "${appRef}"`);
    if (!this.okta.findUser(state, ref)) throw new Error(`there is no Okta user "${ref}"`);
    await this.mustNotSee(
      async () => {
        const now = await this.okta.state();
        const app = this.okta.findApp(now, appRef);
        const user = this.okta.findUser(now, ref);
        return app && user && this.okta.isAssigned(now, app, user.id);
      },
      {
        timeoutMs: waitMs,
        describe: `the Okta app "${appRef}" assigned to "${ref}"`,
        render: () => `"${ref}" was assigned to the Okta app "${appRef}"`,
      },
    );
  },
});
