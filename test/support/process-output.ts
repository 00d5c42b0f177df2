/**
 * Nest's logger writes straight to the process streams: this keeps what is written from now
 * on, shows none of it, and puts the streams back on `restore()`. Tests use it to assert what
 * is (and is never) logged.
 */
export function captureProcessOutput(): { output: () => string; chunks: () => string[]; restore: () => void } {
  const chunks: string[] = [];
  const undo: (() => void)[] = [];
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write;
    stream.write = ((chunk: string | Uint8Array) => {
      chunks.push(String(chunk));
      return true;
    }) as typeof stream.write;
    undo.push(() => (stream.write = original));
  }
  return { output: () => chunks.join(''), chunks: () => [...chunks], restore: () => undo.forEach((fn) => fn()) };
}
