// Delivery steps: Slack sending the app an event again (a retry with the same event_id), as it does when an answer came too late.

import { step } from '../support/define.ts';
import { WAITING_STEP_TIMEOUT_MS } from '../support/patience.ts';
import type { TwinsWorld } from '../support/world.ts';

const topic = 'delivery';

interface Redelivery {
  event_id: string;
  event_type: string;
  deliveries: { id: string; retry_num: number; status: number | null; reason: string | null }[];
}

/** Ask the twin to send the newest event of that type a person caused again, `times` times over. */
async function redeliver(world: TwinsWorld, eventType: string, times: number): Promise<Redelivery> {
  return world.slack.call<Redelivery>('POST', 'slack/act/redeliver', { body: { event_type: eventType, times } });
}

step({
  kind: 'act',
  topic,
  expression: 'Slack delivers the last {string} event again',
  example: 'When Slack delivers the last "message" event again',
  // It waits for the original's answer first (3 s at most, as Slack), then for the app's answer to the retry.
  timeoutMs: WAITING_STEP_TIMEOUT_MS,
  doc: "Slack retries the newest event of that type a person caused (the app's own messages echoing back skipped), as it does when an answer came too late: the same event_id and body, after its first attempt was answered, with X-Slack-Retry-Num counting the attempts before it (1 when the first succeeded) and X-Slack-Retry-Reason http_timeout.",
  async run(this: TwinsWorld, eventType: string) {
    await redeliver(this, eventType, 1);
  },
});

step({
  kind: 'act',
  topic,
  expression: 'Slack delivers the last {string} event {int} more time(s)',
  example: 'When Slack delivers the last "reaction_added" event 2 more times',
  timeoutMs: WAITING_STEP_TIMEOUT_MS,
  doc: 'Like delivering it again, but that many retries one after another, each X-Slack-Retry-Num one more than the last.',
  async run(this: TwinsWorld, eventType: string, times: number) {
    if (times < 1 || times > 10) throw new Error(`Slack retries an event 1 to 10 more times here, not ${times}`);
    await redeliver(this, eventType, times);
  },
});
