import type { PassthroughRepository, UsageRecord } from './passthrough.repository.js';
import { UsageJournal } from './usage-journal.js';

const row = (n: number): UsageRecord => ({
  userId: n,
  providerId: 1,
  model: 'm',
  streamed: false,
  upstreamStatus: 200,
  outcome: 'ok',
  timeToFirstByteMs: 1,
  durationMs: 2,
  promptTokens: null,
  completionTokens: null,
  totalTokens: null,
});

/** A repository whose INSERTs finish only when the test says so, recording what each carried. */
function heldRepository() {
  const inserts: number[][] = [];
  const pending: { resolve: () => void; reject: (err: Error) => void }[] = [];
  const repository = {
    recordUsage: (rows: readonly UsageRecord[]) =>
      new Promise<void>((resolve, reject) => {
        inserts.push(rows.map((r) => r.userId));
        pending.push({ resolve, reject });
      }),
  } as unknown as PassthroughRepository;
  return { repository, inserts, pending };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('UsageJournal', () => {
  it('writes a row after the current turn, and rows that come during an INSERT in the next one', async () => {
    const { repository, inserts, pending } = heldRepository();
    const journal = new UsageJournal(repository);
    journal.record(row(1));
    expect(inserts).toEqual([]);
    await turn();
    expect(inserts).toEqual([[1]]);
    journal.record(row(2));
    journal.record(row(3));
    await turn();
    expect(inserts).toEqual([[1]]);
    pending[0].resolve();
    await turn();
    expect(inserts).toEqual([[1], [2, 3]]);
    let flushed = false;
    const done = journal.flushed().then(() => (flushed = true));
    await turn();
    expect(flushed).toBe(false);
    pending[1].resolve();
    await done;
    expect(flushed).toBe(true);
  });

  it('logs a failed INSERT and goes on with the rows after it; shutdown waits for the last', async () => {
    const { repository, inserts, pending } = heldRepository();
    const journal = new UsageJournal(repository);
    const warnings: string[] = [];
    (journal as unknown as { logger: { warn: (m: string) => void } }).logger = { warn: (m) => warnings.push(m) };
    journal.record(row(1));
    await turn();
    journal.record(row(2));
    pending[0].reject(new Error('connection lost'));
    await turn();
    expect(warnings).toEqual([expect.stringContaining('Could not write 1 usage row(s)')]);
    expect(inserts).toEqual([[1], [2]]);
    let shutDown = false;
    const shutdown = journal.beforeApplicationShutdown().then(() => (shutDown = true));
    await turn();
    expect(shutDown).toBe(false);
    pending[1].resolve();
    await shutdown;
    expect(shutDown).toBe(true);
  });
});
