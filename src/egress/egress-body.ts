import type { Readable } from 'node:stream';
import { EgressTooLargeError } from './egress.errors.js';

/**
 * An upstream body, read chunk by chunk as it arrives. Errors come out as egress errors
 * (`toError`), and the call's clean-up (its total-timeout timer) runs once the body is done,
 * failed, or given up. Leaving a `for await` early or calling `cancel()` closes the upstream
 * connection, so the upstream sees its client go.
 */
export class EgressBody implements AsyncIterable<Buffer> {
  private finished = false;

  constructor(
    private readonly stream: Readable,
    private readonly toError: (err: unknown) => Error,
    private readonly origin: string,
    private readonly onFinished: () => void,
  ) {
    // A reader meets the stream's errors through iteration. A body nobody reads (cancelled, or
    // destroyed by an abort before anyone iterates) must not crash the process with an
    // unhandled 'error' event.
    stream.on('error', () => undefined);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    try {
      for await (const chunk of this.stream) yield chunk as Buffer;
    } catch (err) {
      throw this.toError(err);
    } finally {
      this.finish();
    }
  }

  /** The whole body, refused past `maxBytes` without reading the rest. */
  async readAll(maxBytes: number, declaredLength?: number): Promise<Buffer> {
    if (declaredLength !== undefined && declaredLength > maxBytes) {
      this.cancel();
      throw new EgressTooLargeError(this.origin, maxBytes);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of this) {
      size += chunk.length;
      if (size > maxBytes) throw new EgressTooLargeError(this.origin, maxBytes);
      chunks.push(chunk);
    }
    return Buffer.concat(chunks, size);
  }

  /** Gives the body up: the connection is closed rather than drained. */
  cancel(): void {
    this.stream.destroy();
    this.finish();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (!this.stream.readableEnded) this.stream.destroy();
    this.onFinished();
  }
}
