// JQL parsing with Atlassian's own grammar (@atlaskit/jql-ast over @atlaskit/jql-parser), with Jira's error messages and a bounded cache.

import { createRequire } from 'node:module';
import type { Clause, Jast, JastBuilder, Operand, OrderBy, Predicate } from '@atlaskit/jql-ast';

export type { Clause, Operand, OrderBy, Predicate };

/** A query Jira refuses: 400 with this message in `errorMessages`. */
export class JqlError extends Error {}

/** Longest JQL accepted (Jira refuses very long queries; this keeps the parser's work bounded). */
export const MAX_JQL_LENGTH = 10_000;

/**
 * The grammar (antlr, ~300 ms of CPU to load) is loaded on the first query, not with the twin:
 * `twins up` does not pay for it, and a twin whose users never send JQL never loads it.
 * A synchronous require keeps parseJql synchronous for its callers (webhook matching, boards).
 */
let builder: JastBuilder | undefined;
function jastBuilder(): JastBuilder {
  if (!builder) {
    const { JastBuilder: Builder } = createRequire(import.meta.url)('@atlaskit/jql-ast') as typeof import('@atlaskit/jql-ast');
    builder = new Builder();
  }
  return builder;
}
const cache = new Map<string, { where?: Clause; orderBy?: OrderBy }>();
const CACHE_SIZE = 500;

/**
 * Parse JQL into its where clause and ORDER BY. Syntax errors throw JqlError with Jira's wording
 * and the position (`(line 1, character 11)`).
 *
 * @example parseJql('project = OPS ORDER BY created DESC').orderBy?.fields[0].field.value // 'created'
 */
export function parseJql(jql: string): { where?: Clause; orderBy?: OrderBy } {
  const hit = cache.get(jql);
  if (hit) return hit;
  if (jql.length > MAX_JQL_LENGTH) throw new JqlError(`The JQL query is too long: at most ${MAX_JQL_LENGTH} characters are accepted.`);
  let ast: Jast;
  try {
    ast = jastBuilder().build(jql);
  } catch (err) {
    throw new JqlError(`Error in the JQL Query: ${(err as Error).message}`);
  }
  if (ast.errors.length > 0) {
    const e = ast.errors[0] as { description?: string; message?: string; line?: number; charPositionInLine?: number; start?: number };
    throw new JqlError(
      `Error in the JQL Query: ${describe(e.description ?? e.message ?? 'the query is not valid', jql, e.start)} (line ${e.line ?? 1}, character ${(e.charPositionInLine ?? e.start ?? 0) + 1})`,
    );
  }
  const out = {
    where: (ast.query?.where ?? undefined) as Clause | undefined,
    orderBy: (ast.query?.orderBy ?? undefined) as OrderBy | undefined,
  };
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  cache.set(jql, out);
  return out;
}

/** Antlr's message in Jira's words where Jira has its own. */
function describe(description: string, jql: string, start: number | undefined): string {
  const at = start ?? jql.length;
  const found = at >= jql.length ? 'end of query' : (jql.slice(at).split(/\s/)[0] || jql[at]).slice(0, 40);
  if (found === 'end of query' || description.includes("'<EOF>'"))
    return "Expecting either a value, list or function but got 'end of query'.";
  if (description.includes('expecting {<EOF>, ORDER}') || description.includes('expecting {<EOF>, AND, OR, ORDER}'))
    return `Expecting either 'OR' or 'AND' but got '${found}'.`;
  const ch = jql[at] ?? '';
  if (/^[%^$#@[\]{}|&`;+*?/\\]$/.test(ch)) {
    return `The character '${ch}' is a reserved JQL character. You must enclose it in a string or use the escape '\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}' instead.`;
  }
  return `${description.replace(/'<EOF>'/g, "'end of query'")}.`;
}
