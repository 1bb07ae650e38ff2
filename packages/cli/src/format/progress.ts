import cliProgress from 'cli-progress';

/** A progress bar over a walk of many workflows; nothing is drawn off a terminal. */
export interface Progress {
  /** `count` more done; `payload` fills the format's other `{names}`. */
  advance(count?: number, payload?: Record<string, unknown>): void;
  /** Removes the bar (call it in a `finally`). */
  stop(): void;
}

/**
 * A bar on stderr when stderr is a terminal (so stdout stays the command's answer), for `total`
 * items: `reprise replay --all`, `export --all`, `prune`. `label` opens the line; `extra` is
 * appended to it, with `{names}` filled from `initial` and then from each `advance`'s payload.
 */
export function startProgress(
  label: string,
  total: number,
  extra = '',
  initial: Record<string, unknown> = {},
  stream: NodeJS.WriteStream = process.stderr,
): Progress {
  if (!stream.isTTY) return { advance: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    { format: `${label} [{bar}] {value}/{total} workflows${extra}`, stream, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, initial);
  return {
    advance: (count = 1, payload) => bar.increment(count, payload),
    stop: () => bar.stop(),
  };
}
