/**
 * One status line on stderr, rewritten in place on a terminal; elsewhere
 * (a log file, CI) a line every five seconds, so the output stays readable.
 */
export class ProgressLine {
  private readonly tty = Boolean(process.stderr.isTTY);
  private lastPrinted = 0;
  private shown = false;

  /** Replaces the line with `text`. */
  update(text: string): void {
    if (this.tty) {
      const width = process.stderr.columns || 120;
      process.stderr.write(`\r${text.slice(0, width - 1)}\u001b[K`);
      this.shown = true;
      return;
    }
    if (Date.now() - this.lastPrinted < 5000) return;
    this.lastPrinted = Date.now();
    process.stderr.write(`${text}\n`);
  }

  /** Leaves the line as it is and moves on, or prints `text` as the final state. */
  done(text?: string): void {
    if (this.tty) {
      if (text !== undefined) process.stderr.write(`\r${text}\u001b[K`);
      if (this.shown || text !== undefined) process.stderr.write('\n');
      this.shown = false;
      return;
    }
    if (text !== undefined) process.stderr.write(`${text}\n`);
    this.lastPrinted = 0;
  }
}

/** `[#####.....]` for a fraction 0…1. */
export function bar(fraction: number, width = 20): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}
