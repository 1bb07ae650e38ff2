/**
 * A chunk as it lies in `history` (`frame.ts`), read raw by tests: after its checksum, its last
 * seq, then its backlog and the line feed that ends it when it carries one, then its events,
 * as a JSON array's text (`[`) or packed.
 */

/** Where a chunk's events start in its body (the bytes after the checksum). */
function eventsAt(body: Uint8Array): number {
  let at = 0;
  while ((body[at] as number) >= 0x30 && (body[at] as number) <= 0x39) at++;
  if (body[at] === 0x7b) at = body.indexOf(0x0a, at) + 1;
  return at;
}

/** A chunk's header as text: its last seq, and its backlog's line when it carries one. */
export function chunkHeaderText(chunk: Buffer): string {
  const body = chunk.subarray(8);
  return body.toString('utf8', 0, eventsAt(body));
}

/** How a chunk holds its events: `json` (a JSON array's text) or `packed` (MessagePack). */
export function chunkForm(chunk: Buffer): 'json' | 'packed' {
  const body = chunk.subarray(8);
  return body[eventsAt(body)] === 0x5b ? 'json' : 'packed';
}
