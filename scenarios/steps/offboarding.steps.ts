// Steps the offboarding task needed that no topic file had yet: membership that ends, a count of channel messages, Okta delivering a hook again, Okta and Jira faults.

import { withAppVariables } from '../support/config.ts';
import type { SlackMessage } from '../support/control-client.ts';
import { step } from '../support/define.ts';
import { patientStep, WAITING_STEP_TIMEOUT_MS, watchfulStep } from '../support/patience.ts';
import { type TwinsWorld, visibleText } from '../support/world.ts';

/** The members of a channel now (ids). */
async function membersOf(world: TwinsWorld, channelRef: string): Promise<{ name: string; members: string[] }> {
  const channel = await world.resolveChannel(channelRef);
  const state = await world.slack.state();
  return { name: channel.name, members: state.conversations[channel.id]?.members ?? [] };
}

patientStep({
  topic: 'slack',
  expression: '{user} is out of {channel}',
  example: 'Then "bob" is out of "#platform"',
  doc: 'Waits {wait} for the person not to be a member of the channel (they left or were removed).',
  async run(this: TwinsWorld, waitMs: number | undefined, user: string, channel: string) {
    const person = await this.resolveUser(user);
    const ref = await this.resolveChannel(channel);
    await this.waitFor(async () => !(await membersOf(this, channel)).members.includes(person.id), {
      timeoutMs: waitMs,
      describe: `${user} to be out of ${ref.name}`,
      channel: ref,
    });
  },
});

watchfulStep({
  topic: 'slack',
  expression: '{user} stays a member of {channel}',
  example: 'Then "bob" stays a member of "#platform"',
  doc: 'Watches the channel for {wait} and passes only if the person is in it the whole time; it always waits the full time.',
  async run(this: TwinsWorld, waitMs: number | undefined, user: string, channel: string) {
    const person = await this.resolveUser(user);
    const ref = await this.resolveChannel(channel);
    await this.mustNotSee(async () => !(await membersOf(this, channel)).members.includes(person.id), {
      timeoutMs: waitMs,
      describe: `${user} leaving ${ref.name}`,
      channel: ref,
      render: () => `${user} left ${ref.name}`,
    });
  },
});

patientStep({
  topic: 'slack',
  expression: '{channel} has exactly {int} message(s) matching {regex}',
  example: 'Then "#it-ops" has exactly 1 message matching /Offboarded/',
  doc: 'Waits {wait} for that many new top-level messages matching the pattern in the channel (by anyone but the scenario), then watches one second more and fails if there are more.',
  async run(this: TwinsWorld, waitMs: number | undefined, channel: string, count: number, pattern: RegExp) {
    const ref = await this.resolveChannel(channel);
    const matching = async (): Promise<SlackMessage[]> =>
      (await this.history(ref)).filter((m) => this.isOutcome(ref.id, m) && pattern.test(visibleText(m)));
    await this.waitFor(async () => (await matching()).length >= count, {
      timeoutMs: waitMs,
      describe: `${count} message(s) matching ${pattern} in ${ref.name}`,
      channel: ref,
    });
    await this.mustNotSee(async () => ((await matching()).length > count ? await matching() : undefined), {
      timeoutMs: 1000,
      describe: `more than ${count} message(s) matching ${pattern} in ${ref.name}`,
      channel: ref,
      render: (found) => `${found.length} messages match`,
    });
  },
});

watchfulStep({
  topic: 'slack',
  expression: '{channel} has at most {int} message(s) matching {regex}',
  example: 'Then "#it-ops" has at most 1 message matching /Offboarded/',
  doc: 'Watches the channel for {wait} and passes only if no more than that many top-level messages matching the pattern (by anyone but the scenario) were ever posted in the scenario; it always waits the full time.',
  async run(this: TwinsWorld, waitMs: number | undefined, channel: string, count: number, pattern: RegExp) {
    const ref = await this.resolveChannel(channel);
    await this.mustNotSee(
      async () => {
        const found = (await this.history(ref)).filter((m) => this.isOutcome(ref.id, m) && pattern.test(visibleText(m)));
        return found.length > count ? found : undefined;
      },
      {
        timeoutMs: waitMs,
        describe: `more than ${count} message(s) matching ${pattern} in ${ref.name}`,
        channel: ref,
        render: (found) => `${found.length} messages match`,
      },
    );
  },
});

step({
  kind: 'act',
  topic: 'okta',
  expression: 'Okta delivers the last {string} event hook again',
  example: 'When Okta delivers the last "user.lifecycle.deactivate" event hook again',
  doc: "Okta sends the app's event hook the newest delivery of that event type once more, the same body (same eventId) with the hook's Authorization header, as it does when it is not sure the first one arrived; the step waits for that delivery to exist first.",
  async run(this: TwinsWorld, eventType: string) {
    const hook = this.oktaHook;
    if (!hook) throw new Error("this run registered no Okta event hook for the app (task.yaml's app.events.okta)");
    const delivery = await this.waitFor(
      async () =>
        (await this.okta.hookDeliveries())
          .filter((d) => d.eventType === eventType && d.delivery.body)
          .map((d) => d.delivery)
          .at(-1),
      { describe: `a delivery of ${eventType} to the app's event hook` },
    );
    const env = withAppVariables(await this.okta.credentials());
    const res = await fetch(hook.uri, {
      method: 'POST',
      headers: {
        authorization: env.OKTA_EVENT_HOOK_SECRET,
        'content-type': 'application/json',
        accept: 'application/json',
        'user-agent': 'Okta Event Hooks (twin)',
      },
      body: delivery.body,
      signal: AbortSignal.timeout(10_000),
    });
    await res.body?.cancel();
  },
});

step({
  kind: 'arrange',
  topic: 'faults',
  expression: 'Okta rate-limits {string} for the next {int} call(s)',
  example: 'Given Okta rate-limits "getUser" for the next 2 calls',
  doc: 'The app\'s next calls of that Okta operation (or "*") answer HTTP 429 E0000047 with X-Rate-Limit-Reset one second ahead, as Okta does when an app goes too fast.',
  async run(this: TwinsWorld, operation: string, count: number) {
    await this.okta.armFault({ operation, rateLimit: { retryAfter: 1 }, count });
  },
});

step({
  kind: 'arrange',
  topic: 'faults',
  expression: 'Jira rate-limits {string} for the next {int} call(s)',
  example: 'Given Jira rate-limits "assignIssue" for the next 2 calls',
  doc: 'The app\'s next calls of that Jira operation (or "*") answer HTTP 429 with Retry-After: 1, as Jira Cloud does when an app goes too fast.',
  async run(this: TwinsWorld, operation: string, count: number) {
    await this.jira.armFault({ operation, rateLimit: { retryAfter: 1 }, count });
  },
});

step({
  kind: 'arrange',
  topic: 'faults',
  expression: 'Jira refuses {string} with HTTP {int}',
  example: 'Given Jira refuses "doTransition" with HTTP 400',
  doc: 'Every call of that Jira operation answers that HTTP status in Jira\'s error shape ({"errorMessages": […]}) for the rest of the scenario, as when a workflow does not allow it.',
  async run(this: TwinsWorld, operation: string, status: number) {
    await this.jira.armFault({ operation, status });
  },
});

step({
  kind: 'observe',
  topic: 'okta',
  expression: "the app passed Okta's event hook verification",
  // It reads what the set-up saw and waits for nothing; the catalogue gives every observe step the waiting steps' timeout.
  timeoutMs: WAITING_STEP_TIMEOUT_MS,
  example: "Then the app passed Okta's event hook verification",
  doc: "The app's event hook, registered before the scenario (task.yaml's app.events.okta), is VERIFIED: the app answered Okta's GET with x-okta-verification-challenge by echoing it as {\"verification\": …}.",
  async run(this: TwinsWorld) {
    const hook = this.oktaHook;
    if (!hook) throw new Error("this run registered no Okta event hook for the app (task.yaml's app.events.okta)");
    if (!hook.verified) throw new Error(hook.problem ?? `the app's Okta event hook ${hook.uri} is not verified`);
  },
});
