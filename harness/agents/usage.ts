// What an agent spent: its own `.twins/usage.json`, or what a preset's tool printed (Claude Code's JSON, Codex's JSONL events, Aider's cost lines).

import { closeSync, constants, fstatSync, lstatSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentOutcome } from '../types.ts';

export type Usage = Pick<AgentOutcome, 'tokens' | 'costUsd'>;

/** Where an agent reports its usage, relative to the workspace. */
export const USAGE_FILE = '.twins/usage.json';
/** A usage file larger than this is not a usage file. */
const MAX_USAGE_BYTES = 64 * 1024;

/**
 * The most tokens one trial is believed to have used (10^11: far beyond any real agent's run, well inside
 * a safe integer even summed): anything above is clamped to it, so that no report can overflow.
 */
export const MAX_TOKENS = 100_000_000_000;
/** The most a trial's self-reported cost can say, in USD. */
export const MAX_COST_USD = 1_000_000;

/** A token count as the harness keeps it: a non-negative whole number at most MAX_TOKENS; anything else is no count. */
const count = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.min(Math.round(v), MAX_TOKENS) : undefined;

/** A cost as kept: finite, non-negative, at most MAX_COST_USD, to the micro-dollar. */
const dollars = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.round(Math.min(v, MAX_COST_USD) * 1e6) / 1e6 : undefined;

/**
 * Keeps only well-formed numbers from an agent's report: `{tokens:{input,output,total}, costUsd}`. Token counts
 * are rounded to whole numbers and clamped to [0, MAX_TOKENS]; total is filled in when missing (and clamped)
 * unless `fillTotal: false`;
 * costUsd is clamped to [0, MAX_COST_USD]. Whatever the agent wrote, what comes out passes the results schema.
 * The cost is still the agent's own word: the trial records it with `costSelfReported: true`.
 *
 * @example cleanUsage({ tokens: { input: 1.5, output: 1e400 } }) // { tokens: { input: 2, total: 2 } }
 */
export function cleanUsage(raw: unknown, opts: { fillTotal?: boolean } = {}): Usage {
  if (!raw || typeof raw !== 'object') return {};
  const r = raw as { tokens?: unknown; costUsd?: unknown };
  const t = r.tokens && typeof r.tokens === 'object' ? (r.tokens as Record<string, unknown>) : {};
  const input = count(t.input);
  const output = count(t.output);
  const fill = opts.fillTotal !== false && (input !== undefined || output !== undefined);
  const total = count(t.total) ?? (fill ? Math.min((input ?? 0) + (output ?? 0), MAX_TOKENS) : undefined);
  const tokens = Object.fromEntries(Object.entries({ input, output, total }).filter(([, v]) => v !== undefined));
  const costUsd = dollars(r.costUsd);
  return { ...(Object.keys(tokens).length > 0 ? { tokens } : {}), ...(costUsd !== undefined ? { costUsd } : {}) };
}

/**
 * Reads `.twins/usage.json` from the workspace, from outside the sandbox, without trusting it: only a small regular
 * file is read (never a symlink to a host file, a FIFO that would block, or a device), and only numbers are kept.
 */
export function readUsageFile(workspace: string): Usage {
  const path = join(workspace, USAGE_FILE);
  let fd: number | undefined;
  try {
    const st = lstatSync(path);
    if (!st.isFile() || st.size > MAX_USAGE_BYTES) return {};
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    const again = fstatSync(fd);
    if (!again.isFile() || again.size > MAX_USAGE_BYTES) return {};
    const buf = Buffer.alloc(again.size);
    readSync(fd, buf, 0, buf.length, 0);
    return cleanUsage(JSON.parse(buf.toString('utf8')));
  } catch {
    return {}; // absent or not JSON: the agent reported nothing
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The JSON objects on lines of `text` (tools print them one per line among other output). */
function jsonLines(text: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t.startsWith('{') || !t.endsWith('}')) continue;
    try {
      const v = JSON.parse(t) as unknown;
      if (v && typeof v === 'object' && !Array.isArray(v)) out.push(v as Record<string, unknown>);
    } catch {
      // not JSON after all
    }
  }
  return out;
}

/**
 * Claude Code's `--output-format json` result: `{"type":"result", "total_cost_usd", "usage":{input_tokens,
 * cache_creation_input_tokens, cache_read_input_tokens, output_tokens}}`. Input counts cached input too.
 */
export function claudeCodeUsage(transcript: string): Usage {
  const result = jsonLines(transcript)
    .reverse()
    .find((o) => o.type === 'result');
  if (!result) return {};
  const u = (result.usage ?? {}) as Record<string, unknown>;
  const parts = [u.input_tokens, u.cache_creation_input_tokens, u.cache_read_input_tokens].map(count);
  const input = parts.some((p) => p !== undefined) ? parts.reduce<number>((a, b) => a + (b ?? 0), 0) : undefined;
  return cleanUsage({
    tokens: { input, output: count(u.output_tokens) },
    costUsd: dollars(result.total_cost_usd) ?? dollars(result.cost_usd),
  });
}

/** Codex's `exec --json` events: the usage of every `turn.completed`, summed. Codex prints no cost. */
export function codexUsage(transcript: string): Usage {
  let input: number | undefined;
  let output: number | undefined;
  for (const e of jsonLines(transcript)) {
    if (e.type !== 'turn.completed') continue;
    const u = (e.usage ?? {}) as Record<string, unknown>;
    input = (input ?? 0) + (count(u.input_tokens) ?? 0);
    output = (output ?? 0) + (count(u.output_tokens) ?? 0);
  }
  return cleanUsage({ tokens: { input, output } });
}

const scaled = (n: string, unit: string | undefined) => Number(n.replace(/,/g, '')) * (unit === 'k' ? 1e3 : unit === 'M' ? 1e6 : 1);

/** Aider's lines `Tokens: 12k sent, 1.2k received. Cost: $0.05 message, $0.10 session.`: tokens summed (rounded as Aider prints them), the last session cost. */
export function aiderUsage(transcript: string): Usage {
  let input: number | undefined;
  let output: number | undefined;
  let costUsd: number | undefined;
  for (const line of transcript.split('\n')) {
    if (!line.includes('Tokens:')) continue;
    // Between the two may come cache figures ("3.4k cache write, 1k cache hit"), so each is found on its own.
    const sent = /([\d.,]+)(k|M)?\s*sent/.exec(line);
    const received = /([\d.,]+)(k|M)?\s*received/.exec(line);
    if (sent) input = (input ?? 0) + scaled(sent[1], sent[2]);
    if (received) output = (output ?? 0) + scaled(received[1], received[2]);
  }
  for (const m of transcript.matchAll(/\$\s*([\d.]+)\s*session/g)) costUsd = Number(m[1]);
  return cleanUsage({ tokens: { input, output }, costUsd });
}
