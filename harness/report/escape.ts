// Escaping for the reports: every string from a trial (transcripts, errors, journal args) is hostile input.

// Characters XML 1.0 forbids anywhere, even escaped: C0 controls other than tab, LF and CR, U+FFFE/U+FFFF, and lone surrogates.
const XML_FORBIDDEN =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Text safe inside HTML element content and double- or single-quoted attributes. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '')
    .replace(XML_FORBIDDEN, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/**
 * Text safe inside XML 1.0 content and attributes: markup escaped, forbidden characters replaced by
 * U+FFFD, and (for attributes) line breaks and tabs kept as character references, since an XML parser
 * would otherwise fold them into spaces.
 */
export function escapeXml(value: unknown, attribute = false): string {
  const text = String(value ?? '')
    .replace(XML_FORBIDDEN, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
  return attribute ? text.replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;') : text.replace(/\r/g, '&#13;');
}
