/**
 * The deterministic generator behind `ctx.random()` and `ctx.uuid()`: each draw is a hash of
 * (workflowId, runId, draw ordinal), so a replay draws the same values without any record.
 */

function mix32(hash: number): number {
  let h = hash;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function hash32(text: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let index = 0; index < text.length; index++) {
    h ^= text.charCodeAt(index);
    h = Math.imul(h, 0x01000193);
  }
  return mix32(h);
}

/** Four independent 32-bit words for one draw. */
export function seededWords(
  workflowId: string,
  runId: string,
  ordinal: number,
): [number, number, number, number] {
  const key = `${workflowId}\u0000${runId}\u0000${ordinal}`;
  return [hash32(key, 1), hash32(key, 2), hash32(key, 3), hash32(key, 4)];
}

/** A float in [0, 1) with 53 random bits. */
export function seededRandom(workflowId: string, runId: string, ordinal: number): number {
  const [high, low] = seededWords(workflowId, runId, ordinal);
  return ((high >>> 11) * 2 ** 32 + low) / 2 ** 53;
}

/** A UUID in version-4 format. */
export function seededUuid(workflowId: string, runId: string, ordinal: number): string {
  const hex = seededWords(workflowId, runId, ordinal)
    .map((word) => word.toString(16).padStart(8, '0'))
    .join('');
  const variant = ((Number.parseInt(hex[16] as string, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
