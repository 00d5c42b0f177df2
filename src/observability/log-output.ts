export type LogStream = 'stdout' | 'stderr';

/**
 * Where the production logger's lines go: to the process's stdout and stderr, the lines of
 * one turn of the event loop in one write. Writes to a pipe or a file are synchronous on
 * Linux, so a line per write was a system call per line: the access log alone is one per
 * request. Lines keep their order, across the two streams too (a line for the other stream
 * first writes those before it), they are never held past the turn that wrote them, and
 * whatever is pending when the process exits (an uncaught error, process.exit) is written on
 * the way out.
 */
class CoalescedLogOutput {
  private stream: LogStream = 'stdout';
  private lines: string[] = [];
  private scheduled = false;

  constructor() {
    process.once('exit', () => this.flush());
  }

  write(stream: LogStream, line: string): void {
    if (stream !== this.stream) {
      this.flush();
      this.stream = stream;
    }
    this.lines.push(line);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  flush(): void {
    if (this.lines.length === 0) return;
    const text = this.lines.join('');
    this.lines = [];
    process[this.stream].write(text);
  }
}

let output: CoalescedLogOutput | undefined;

/** The process's one coalesced output: it has one stdout and one stderr, however many loggers. */
export function coalescedLogOutput(): CoalescedLogOutput {
  return (output ??= new CoalescedLogOutput());
}

/** Writes what the logger still holds, before something is written around it (main.ts's last words). */
export function flushLogOutput(): void {
  output?.flush();
}
