/**
 * Control characters (C0, DEL, C1), line and paragraph separators and bidirectional overrides:
 * what a terminal would act on instead of showing. An ESC starts an escape sequence that can
 * recolour, retitle or rewrite the screen; a newline or bidi override can forge a line.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * A user-supplied string (a workflow id, type or run id) as it may be printed to a terminal:
 * every character a terminal would act on is shown as a `\u` escape, so an id cannot inject an
 * escape sequence or a fake line. Printable text, CJK included, is unchanged.
 */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
