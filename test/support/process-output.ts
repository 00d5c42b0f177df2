/**
 * Nest's logger writes straight to the process streams: this keeps what is written from now
 * on, shows none of it, and puts the streams back on `restore()`. Tests use it to assert what
 * is (and is never) logged, and in which writes.
 */
export function captureProcessOutput(): {
  output: () => string;
  writes: () => { stream: 'stdout' | 'stderr'; text: string }[];
  restore: () => void;
} {
  const writes: { stream: 'stdout' | 'stderr'; text: string }[] = [];
  const undo: (() => void)[] = [];
  for (const name of ['stdout', 'stderr'] as const) {
    const stream = process[name];
    const original = stream.write;
    stream.write = ((chunk: string | Uint8Array) => {
      writes.push({ stream: name, text: String(chunk) });
      return true;
    }) as typeof stream.write;
    undo.push(() => (stream.write = original));
  }
  return {
    output: () => writes.map((w) => w.text).join(''),
    writes: () => writes.map((w) => ({ ...w })),
    restore: () => undo.forEach((fn) => fn()),
  };
}
