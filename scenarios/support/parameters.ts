// The step language's parameter types: channels, users, durations and regular expressions, as data that both cucumber and the linter register.

import { parseDuration } from '../../src/kernel/duration.ts';

/** A parameter type, described once: cucumber registers it for runs, the catalogue for `twins steps` and the linter. */
export interface ParameterSpec<T = unknown> {
  name: string;
  /** Alternatives; the first capture group of the one that matched reaches the transformer. */
  regexps: RegExp[];
  transformer: (...groups: string[]) => T;
  /** How it is written in a step, for the catalogue. */
  example: string;
  doc: string;
}

/** A Slack channel, always written `"#name"` (or a channel id such as `"C0123ABCD"`). */
export const channel: ParameterSpec<string> = {
  name: 'channel',
  regexps: [/"(#[^"\s]+)"/, /"(C[A-Z0-9]{6,})"/],
  // Each alternative has its own group and cucumber passes them all, the unmatched ones undefined.
  transformer: (name, id) => name ?? id,
  example: '"#ops"',
  doc: 'a Slack channel by name, with its #, in double quotes; a channel id also works',
};

/** A person, written `"alice"`, `"alice@acme.test"` or a user id; `the app` is not a user (see the steps). */
export const user: ParameterSpec<string> = {
  name: 'user',
  regexps: [/"([^"#\s]+)"/],
  transformer: (name) => name,
  example: '"alice"',
  doc: 'a person in the workspace by user name, display name, email or id, in double quotes',
};

/** A span of time, `5 seconds`, `250 ms`, `2 hours`, `1 day`: becomes milliseconds. */
export const duration: ParameterSpec<number> = {
  name: 'duration',
  regexps: [/(\d+(?:\.\d+)?\s*(?:milliseconds?|ms|seconds?|s|minutes?|m|hours?|h|days?|d))/],
  transformer: (text) => Math.round(parseDuration(text)),
  example: '5 seconds',
  doc: 'a number and a unit (ms, seconds, minutes, hours, days), as milliseconds',
};

/** A pattern, written `/deploy(ed)? v\d+/i` or in double quotes `"OPS-\d+"`. */
export const regex: ParameterSpec<RegExp> = {
  name: 'regex',
  regexps: [/\/((?:[^/\\\n]|\\.)+)\/([dgimsuy]*)/, /"((?:[^"\\]|\\.)*)"/],
  // Cucumber passes every alternative's groups, unmatched ones undefined: (source, flags) for /x/i, (quoted) for "x".
  transformer: (slashed, flags, quoted) => {
    const source = slashed ?? quoted;
    const f = slashed === undefined ? '' : (flags ?? '');
    try {
      return new RegExp(source, f);
    } catch (err) {
      throw new Error(`/${source}/${f} is not a valid regular expression: ${(err as Error).message}`);
    }
  },
  example: '/incident-\\d+/i',
  doc: 'a JavaScript regular expression between slashes (flags after), or in double quotes',
};

/** Every parameter type the step language adds to cucumber's own ({string}, {int}, {word}, …). */
export const PARAMETER_TYPES: ParameterSpec[] = [channel, user, duration, regex] as ParameterSpec[];
