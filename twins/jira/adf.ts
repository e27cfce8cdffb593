// Atlassian Document Format: the envelope check Jira applies to v3 rich text, and conversions to and from plain text for v2 and JQL.

/** An ADF node, as Jira stores it. */
export interface AdfNode {
  type: string;
  version?: number;
  text?: string;
  attrs?: Record<string, unknown>;
  marks?: unknown[];
  content?: AdfNode[];
}

/** Is `value` an ADF document (`{type:"doc", version:1, content:[...]}`) whose nodes all have a type? */
export function isAdfDoc(value: unknown): value is AdfNode {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  return v.type === 'doc' && v.version === 1 && Array.isArray(v.content) && v.content.every(isNode);
}

function isNode(n: unknown, depth = 0): boolean {
  if (depth > 60 || !n || typeof n !== 'object' || Array.isArray(n)) return false;
  const node = n as Record<string, unknown>;
  if (typeof node.type !== 'string') return false;
  if (node.text !== undefined && typeof node.text !== 'string') return false;
  if (node.content !== undefined && (!Array.isArray(node.content) || !node.content.every((c) => isNode(c, depth + 1)))) return false;
  return true;
}

const BLOCKS = new Set(['paragraph', 'heading', 'codeBlock', 'blockquote', 'listItem', 'tableRow', 'panel', 'rule', 'mediaSingle']);

/**
 * The plain text of a document: text nodes joined, blocks on their own lines, mentions by their
 * text. What v2 shows for ADF, what webhooks carry, and what JQL's `~` searches.
 *
 * @example adfToText({type:'doc',version:1,content:[{type:'paragraph',content:[{type:'text',text:'hi'}]}]}) // 'hi'
 */
export function adfToText(doc: AdfNode | null | undefined): string {
  if (!doc) return '';
  const out: string[] = [];
  const walk = (n: AdfNode, depth: number): void => {
    if (depth > 64) return;
    if (n.type === 'text' && typeof n.text === 'string') out.push(n.text);
    else if (n.type === 'hardBreak') out.push('\n');
    else if (n.type === 'mention' || n.type === 'emoji') out.push(String(n.attrs?.text ?? n.attrs?.shortName ?? ''));
    else if (n.type === 'inlineCard') out.push(String(n.attrs?.url ?? ''));
    for (const c of n.content ?? []) walk(c, depth + 1);
    if (BLOCKS.has(n.type)) out.push('\n');
  };
  walk(doc, 0);
  return out.join('').replace(/\n+$/, '');
}

/** A document of one paragraph per line: how a v2 string becomes what v3 reads. */
export function textToAdf(text: string): AdfNode {
  const lines = text.split(/\r?\n/);
  return {
    type: 'doc',
    version: 1,
    content: lines.map((line) => ({ type: 'paragraph', content: line ? [{ type: 'text', text: line }] : [] })),
  };
}

/** Minimal HTML for `renderedFields`: paragraphs of escaped text. */
export function adfToHtml(doc: AdfNode | null | undefined): string {
  if (!doc) return '';
  return adfToText(doc)
    .split('\n')
    .map((l) => `<p>${l.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}</p>`)
    .join('');
}
