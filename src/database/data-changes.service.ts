import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config.js';

/**
 * What changed in the database (see the ChangeNotifications migration). `reset` means
 * "anything may have changed": the listener (re)connected, and notifications sent while it
 * was away are lost.
 */
export type DataChange =
  | { kind: 'user'; userId: number }
  | { kind: 'account'; accountId: number }
  /** The providers owned inside this platform account changed: everyone's list (1765200000000-PlatformChanges). */
  | { kind: 'platform'; accountId: number }
  | { kind: 'all' }
  | { kind: 'reset' };

const CHANGES_CHANNEL = 'providers_changes';

/**
 * A connection that dies silently (a partition, a frozen server) is noticed by TCP keepalive
 * only after hours, while the caches would go on trusting it: the listener asks the server
 * for a trivial answer this often, and gives the connection up when none comes in time.
 */
const HEARTBEAT_INTERVAL_MS = 5000;
const HEARTBEAT_TIMEOUT_MS = 2000;

function parseChange(payload: string | undefined): DataChange {
  const [kind, id] = (payload ?? '').split(':');
  const n = Number(id);
  if (kind === 'user' && Number.isSafeInteger(n)) return { kind: 'user', userId: n };
  if (kind === 'account' && Number.isSafeInteger(n)) return { kind: 'account', accountId: n };
  if (kind === 'platform' && Number.isSafeInteger(n)) return { kind: 'platform', accountId: n };
  return { kind: 'all' };
}

/**
 * One dedicated connection that LISTENs for data changes, shared by every in-process cache.
 * Caches must only be trusted while `isLive`: between a dropped connection and its
 * re-establishment, changes go unseen. `generation` moves on every change, so a cache can
 * refuse to store a value that was read before a change it has not seen applied.
 */
@Injectable()
export class DataChangesService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DataChangesService.name);
  private readonly subscribers = new Set<(change: DataChange) => void>();
  private client: pg.Client | null = null;
  private live = false;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private retryDelayMs = 250;
  private generationCounter = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  /**
   * Whether a listener is wanted at all: only the caches (PROVIDERS_CACHE) subscribe, and they
   * are never on with the embedded database, which has a single connection.
   */
  get enabled(): boolean {
    return this.config.providersCache;
  }

  get isLive(): boolean {
    return this.live;
  }

  get generation(): number {
    return this.generationCounter;
  }

  subscribe(fn: (change: DataChange) => void): () => void {
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.enabled) return;
    await this.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    const client = this.client;
    this.client = null;
    this.live = false;
    await client?.end().catch(() => {});
  }

  /** For tests and chaos scripts: the backend pid of the LISTEN connection. */
  async listenerPid(): Promise<number | null> {
    if (!this.client || !this.live) return null;
    const { rows } = await this.client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    return rows[0].pid;
  }

  private async connect(): Promise<void> {
    const options = this.dataSource.options as { url?: string };
    const client = new pg.Client({
      connectionString: options.url,
      application_name: 'providers-service-listen',
      keepAlive: true,
      connectionTimeoutMillis: this.config.DB_STATEMENT_TIMEOUT_MS,
    });
    client.on('notification', (msg) => {
      if (msg.channel === CHANGES_CHANNEL) this.publish(parseChange(msg.payload));
    });
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    this.client = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANGES_CHANNEL}`);
    } catch (err) {
      this.lost(client, err as Error);
      return;
    }
    if (this.client !== client) return;
    const wasRetrying = this.retryDelayMs > 250;
    this.retryDelayMs = 250;
    this.live = true;
    this.heartbeatTimer = setInterval(() => void this.heartbeat(client), HEARTBEAT_INTERVAL_MS).unref();
    // Whatever was cached before this moment may have missed a notification.
    this.publish({ kind: 'reset' });
    this.logger.log(wasRetrying ? 'Change listener reconnected; caches dropped' : 'Listening for data changes');
  }

  private async heartbeat(client: pg.Client): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('no answer to the heartbeat')), HEARTBEAT_TIMEOUT_MS);
    });
    try {
      await Promise.race([client.query('SELECT 1'), timeout]);
    } catch (err) {
      this.lost(client, err as Error);
    } finally {
      clearTimeout(timer);
    }
  }

  private lost(client: pg.Client, err?: Error): void {
    if (this.client !== client) return;
    this.client = null;
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
    client.removeAllListeners('end');
    client.end().catch(() => {});
    const wasLive = this.live;
    this.live = false;
    this.publish({ kind: 'reset' });
    if (this.stopped) return;
    if (wasLive) this.logger.warn('Change listener lost its connection; caches bypassed until it is back');
    else if (err && this.retryDelayMs === 250) this.logger.warn(`Change listener cannot connect: ${err.message}`);
    this.retryTimer = setTimeout(() => void this.connect(), this.retryDelayMs);
    this.retryDelayMs = Math.min(this.retryDelayMs * 2, 5000);
  }

  private publish(change: DataChange): void {
    this.generationCounter++;
    for (const fn of this.subscribers) fn(change);
  }
}
