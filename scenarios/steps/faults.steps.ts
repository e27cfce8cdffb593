// Fault steps: Slack, Okta and Jira misbehaving on purpose (rate limits, errors, slowness) for this scenario's tenants only.

import type { FaultRequest } from '../support/control-client.ts';
import { step } from '../support/define.ts';
import type { TwinsWorld } from '../support/world.ts';

const topic = 'faults';

async function arm(world: TwinsWorld, spec: FaultRequest): Promise<void> {
  await world.slack.armFault(spec);
}

step({
  kind: 'arrange',
  topic,
  expression: 'Slack rate-limits {string} for the next {int} call(s)',
  example: 'Given Slack rate-limits "chat.postMessage" for the next 2 calls',
  doc: 'The app\'s next calls of that method (or "*" for any) answer HTTP 429 ratelimited with Retry-After: 1, as Slack does when an app goes too fast.',
  async run(this: TwinsWorld, operation: string, count: number) {
    await arm(this, { operation, rateLimit: { retryAfter: 1 }, count });
  },
});

step({
  kind: 'arrange',
  topic,
  expression: 'Slack rate-limits {string} for the next {int} call(s) with Retry-After {duration}',
  example: 'Given Slack rate-limits "chat.postMessage" for the next 1 call with Retry-After 3 seconds',
  doc: "The app's next calls of that method answer HTTP 429 ratelimited with that Retry-After (whole seconds).",
  async run(this: TwinsWorld, operation: string, count: number, ms: number) {
    await arm(this, { operation, rateLimit: { retryAfter: Math.max(1, Math.ceil(ms / 1000)) }, count });
  },
});

step({
  kind: 'arrange',
  topic,
  expression: 'Slack answers {string} with the error {string}',
  example: 'Given Slack answers "reactions.add" with the error "fatal_error"',
  doc: 'Every call of that method (or "*") answers {"ok":false,"error":…} with that Slack error code until Slack recovers.',
  async run(this: TwinsWorld, operation: string, error: string) {
    await arm(this, { operation, error });
  },
});

step({
  kind: 'arrange',
  topic,
  expression: 'Slack answers {string} with the error {string} for the next {int} call(s)',
  example: 'Given Slack answers "chat.postMessage" with the error "fatal_error" for the next 1 call',
  doc: 'The next calls of that method answer {"ok":false,"error":…} with that Slack error code; later ones work again.',
  async run(this: TwinsWorld, operation: string, error: string, count: number) {
    await arm(this, { operation, error, count });
  },
});

step({
  kind: 'arrange',
  topic,
  expression: 'Slack answers {string} {duration} late',
  example: 'Given Slack answers "chat.postMessage" 2 seconds late',
  doc: 'Every call of that method (or "*") is answered only after that delay, until Slack recovers.',
  async run(this: TwinsWorld, operation: string, ms: number) {
    await arm(this, { operation, latencyMs: ms });
  },
});

step({
  kind: 'act',
  topic,
  expression: 'Slack recovers',
  example: 'When Slack recovers',
  doc: 'Every fault armed in this scenario is disarmed: calls are answered normally again.',
  async run(this: TwinsWorld) {
    await this.slack.disarmFaults();
  },
});

step({
  kind: 'arrange',
  topic,
  expression: 'Okta rate-limits {string} for the next {int} call(s)',
  example: 'Given Okta rate-limits "getUser" for the next 2 calls',
  doc: 'The app\'s next calls of that Okta operation (or "*") answer HTTP 429 E0000047 with X-Rate-Limit-Reset one second ahead, as Okta does when an app goes too fast.',
  async run(this: TwinsWorld, operation: string, count: number) {
    await this.okta.armFault({ operation, rateLimit: { retryAfter: 1 }, count });
  },
});

step({
  kind: 'arrange',
  topic,
  expression: 'Jira rate-limits {string} for the next {int} call(s)',
  example: 'Given Jira rate-limits "assignIssue" for the next 2 calls',
  doc: 'The app\'s next calls of that Jira operation (or "*") answer HTTP 429 with Retry-After: 1, as Jira Cloud does when an app goes too fast.',
  async run(this: TwinsWorld, operation: string, count: number) {
    await this.jira.armFault({ operation, rateLimit: { retryAfter: 1 }, count });
  },
});

step({
  kind: 'arrange',
  topic,
  expression: 'Jira refuses {string} with HTTP {int}',
  example: 'Given Jira refuses "doTransition" with HTTP 400',
  doc: 'Every call of that Jira operation answers that HTTP status in Jira\'s error shape ({"errorMessages": […]}) for the rest of the scenario, as when a workflow does not allow it.',
  async run(this: TwinsWorld, operation: string, status: number) {
    await this.jira.armFault({ operation, status });
  },
});
