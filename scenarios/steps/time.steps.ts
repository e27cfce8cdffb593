// Time steps: what time it is on the twin's clock, and time passing there, so hours of scheduled work take no real time.

import { step } from '../support/define.ts';
import type { TwinsWorld } from '../support/world.ts';

const topic = 'time';

step({
  kind: 'arrange',
  topic,
  expression: 'the time is {string}',
  example: 'Given the time is "2030-01-07T08:55:00Z"',
  doc: "The twin's clock jumps to that ISO-8601 time and runs on from there; it never moves backwards, so the time must be later than now.",
  async run(this: TwinsWorld, iso: string) {
    const to = Date.parse(iso);
    if (Number.isNaN(to)) throw new Error(`"${iso}" is not an ISO-8601 time; write e.g. "2030-01-07T08:55:00Z"`);
    const now = (await this.slack.clock()).now;
    if (to < now) throw new Error(`the twin's clock only moves forward: it is already ${new Date(now).toISOString()}, later than ${iso}`);
    await this.slack.setClock({ mode: 'real', to });
  },
});

step({
  kind: 'act',
  topic,
  expression: '{duration} pass(es)',
  example: 'When 2 hours pass',
  doc: "The twin's clock moves forward at once and everything falling due meanwhile happens in time order: scheduled messages, event retries, expiries.",
  async run(this: TwinsWorld, ms: number) {
    const clock = await this.slack.clock();
    if (clock.mode === 'virtual') {
      await this.slack.setClock({ advance: ms });
      return;
    }
    // Virtual while advancing fires each timer at its own time; back to real afterwards so rate-limit buckets refill.
    await this.slack.setClock({ mode: 'virtual' });
    try {
      await this.slack.setClock({ advance: ms });
    } finally {
      await this.slack.setClock({ mode: 'real' });
    }
  },
});
