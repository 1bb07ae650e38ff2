import cliProgress from 'cli-progress';

/** The counts the display shows. */
export interface ProgressCounts {
  readonly total: number;
  readonly running: number;
  readonly completed: number;
  readonly failed: number;
  readonly cancelled: number;
  readonly shipmentsRunning: number;
  readonly retries: number;
  readonly restarts: number;
}

const line = (counts: ProgressCounts) =>
  `running ${counts.running} · completed ${counts.completed} · failed ${counts.failed} · cancelled ${counts.cancelled}` +
  ` | shipments in flight ${counts.shipmentsRunning} | retries ${counts.retries} · gateway restarts ${counts.restarts} (this session)`;

/**
 * Live progress: a bar with counts by status on a terminal; elsewhere (a pipe, CI, tests) a
 * plain line whenever the counts change, at most once a second.
 */
export class Progress {
  readonly #bar: cliProgress.SingleBar | undefined;
  #last = '';
  #lastAt = 0;

  constructor(
    private readonly out: NodeJS.WriteStream,
    total: number,
  ) {
    if (out.isTTY) {
      this.#bar = new cliProgress.SingleBar(
        {
          format: 'orders {bar} {value}/{total} | {counts}',
          stream: out,
          hideCursor: true,
          barsize: 24,
          fps: 8,
        },
        cliProgress.Presets.shades_classic,
      );
      this.#bar.start(total, 0, { counts: '' });
    }
  }

  /** Shows the counts; `final` makes the plain-line display print even within its second. */
  update(counts: ProgressCounts, now: number, final = false): void {
    const done = counts.completed + counts.failed + counts.cancelled;
    if (this.#bar) {
      this.#bar.setTotal(counts.total);
      this.#bar.update(done, { counts: line(counts) });
      return;
    }
    const text = `orders ${done}/${counts.total} | ${line(counts)}`;
    if (text === this.#last || (now - this.#lastAt < 1000 && !final)) return;
    this.#last = text;
    this.#lastAt = now;
    this.out.write(`${text}\n`);
  }

  stop(): void {
    this.#bar?.stop();
  }
}
