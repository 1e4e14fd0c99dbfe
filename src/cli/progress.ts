/**
 * Progress bars of the `gr2` command line (`cli-progress` on stderr), shown only on a terminal.
 *
 * @packageDocumentation
 * @internal
 */
import cliProgress from 'cli-progress';

/** A progress reporter: `start(total, label)`, `update(value)`, `stop()`. @internal */
export interface Progress {
  start(total: number, label: string): void;
  update(value: number): void;
  increment(by?: number): void;
  stop(): void;
}

const NOOP: Progress = { start() {}, update() {}, increment() {}, stop() {} };

/**
 * A bar on stderr when it is a TTY and progress was not turned off (`--no-progress`, `--json`); otherwise a no-op.
 * @internal
 */
export function createProgress(enabled: boolean): Progress {
  if (!enabled || !process.stderr.isTTY) return NOOP;
  const bar = new cliProgress.SingleBar(
    { format: '{label} [{bar}] {percentage}% | {value}/{total} | {duration_formatted}', stream: process.stderr, hideCursor: true, clearOnComplete: false },
    cliProgress.Presets.shades_classic,
  );
  let active = false;
  return {
    start(total, label) {
      if (active) bar.stop();
      bar.start(Math.max(1, total), 0, { label });
      active = true;
    },
    update(value) {
      if (active) bar.update(value);
    },
    increment(by = 1) {
      if (active) bar.increment(by);
    },
    stop() {
      if (active) bar.stop();
      active = false;
    },
  };
}
