// A tqdm-like progress bar for one epoch: batch i/n, loss, running accuracy, images/s and ETA, redrawn
// in place on a terminal. When the stream is not a TTY or CI is set (logs, pipes), it degrades to a
// plain line every 10% of the epoch, so logs stay readable. In a browser, give it a stream of your own
// (`{ write: (line) => { status.textContent = line; return true; } }`).

export interface ProgressStats {
  loss: number;
  /** left out of the line when undefined (a run without the accuracy metric) */
  accuracy?: number;
  imagesPerSecond: number;
}

export interface ProgressStream {
  write(s: string): boolean;
  isTTY?: boolean;
  columns?: number;
}

function nodeProcess(): { stderr: ProgressStream; env: Record<string, string | undefined> } | undefined {
  return (globalThis as { process?: { stderr: ProgressStream; env: Record<string, string | undefined> } }).process;
}

/** Where progress goes by default: stderr in Node, nowhere (null) elsewhere. */
export function defaultProgressStream(): ProgressStream | null {
  return nodeProcess()?.stderr ?? null;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.max(0, Math.round(seconds));
  const m = Math.floor(s / 60);
  return m >= 60 ? `${Math.floor(m / 60)}:${String(m % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}` : `${String(m).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

export class ProgressBar {
  readonly interactive: boolean;
  #lastPlain = -1;
  #lastDraw = 0;
  #start = performance.now();

  constructor(
    readonly label: string,
    readonly total: number,
    readonly stream: ProgressStream = defaultProgressStream() ?? { write: () => true },
    interactive = Boolean(stream.isTTY) && !nodeProcess()?.env.CI,
  ) {
    this.interactive = interactive;
  }

  /** Reports that `done` of `total` batches are finished. */
  update(done: number, stats: ProgressStats): void {
    const elapsed = (performance.now() - this.#start) / 1000;
    const eta = done > 0 ? (elapsed / done) * (this.total - done) : Infinity;
    const tail = `${done}/${this.total} loss ${stats.loss.toFixed(4)}${stats.accuracy === undefined ? '' : ` acc ${(100 * stats.accuracy).toFixed(2)}%`} ${stats.imagesPerSecond.toFixed(0)} img/s ETA ${formatDuration(eta)}`;
    if (this.interactive) {
      const now = performance.now();
      if (done < this.total && now - this.#lastDraw < 100) return; // at most 10 redraws a second
      this.#lastDraw = now;
      const width = Math.max(10, Math.min(30, (this.stream.columns ?? 80) - this.label.length - tail.length - 6));
      const filled = Math.round((width * done) / this.total);
      this.stream.write(`\r\x1b[2K${this.label} |${'█'.repeat(filled)}${' '.repeat(width - filled)}| ${tail}`);
      return;
    }
    const tenth = Math.floor((10 * done) / this.total);
    if (tenth > this.#lastPlain && (tenth > 0 || done === this.total)) {
      this.#lastPlain = tenth;
      this.stream.write(`${this.label} ${tail}\n`);
    }
  }

  /** Clears the bar (the epoch's summary line replaces it). */
  finish(): void {
    if (this.interactive) this.stream.write('\r\x1b[2K');
  }
}
