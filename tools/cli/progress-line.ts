type Output = NodeJS.WritableStream & { isTTY?: boolean };

/** How often a terminal's line is redrawn at most: smooth to the eye, cheap for a fast stream of changes. */
const terminalRedrawMs = 100;

/**
 * One line of progress on stderr. On a terminal it is redrawn in place; elsewhere (a log, a pipe)
 * each change is a line of its own, at most one per interval, so that the record stays readable
 * however fast the changes come. The last state is always drawn.
 */
export class ProgressLine {
  private readonly intervalMs: number;
  private drawn: string | undefined;
  private pending: string | undefined;
  private lastDrawnAt = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly out: Output,
    intervalMs: number,
  ) {
    this.intervalMs = out.isTTY ? Math.min(intervalMs, terminalRedrawMs) : intervalMs;
  }

  update(line: string): void {
    this.pending = line;
    const wait = this.lastDrawnAt + this.intervalMs - Date.now();
    if (wait <= 0) this.draw();
    else this.timer ??= setTimeout(() => this.draw(), wait).unref();
  }

  /** A message of its own between two states, e.g. a reconnection, on a line of its own. */
  note(message: string): void {
    this.draw();
    this.endLine();
    this.out.write(`${message}\n`);
  }

  /** Draws the last state, and leaves the terminal's cursor on a fresh line. */
  finish(): void {
    this.draw();
    this.endLine();
  }

  private draw(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const line = this.pending;
    this.pending = undefined;
    if (line === undefined || line === this.drawn) return;
    this.out.write(this.out.isTTY ? `\r${line}\u001b[K` : `${line}\n`);
    this.drawn = line;
    this.lastDrawnAt = Date.now();
  }

  private endLine(): void {
    if (this.out.isTTY && this.drawn !== undefined) this.out.write('\n');
    this.drawn = undefined;
  }
}

/** `[#####-----]`: `done` of `total`, a full bar for a total of nothing. */
export function bar(done: number, total: number, width = 30): string {
  const filled = total <= 0 ? width : Math.min(width, Math.round((done / total) * width));
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}

export function byteSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
