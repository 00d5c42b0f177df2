import type { AddressInfo } from 'node:net';
import { DemoWorldService, readDemoWorld } from '../../../src/world/demo-world.service.js';
import { WorldImportService } from '../../../src/world/world-import.service.js';
import type { WorldFile } from '../../../src/world/world.types.js';
import { freePort, tokenFor } from '../../support/service-process.js';
import { startTestApp, type TestApp } from '../../support/test-app.js';

export interface ProviderRow {
  id: number;
  name: string;
  base_url: string | null;
}

export interface ServedApp {
  t: TestApp;
  /** http://localhost:<port>, the origin the browser uses. */
  origin: string;
  world: WorldFile;
  /** The password of a demo user, from the world file. */
  password(username: string): string;
  /** The providers list as the API answers a bearer call for this user: what the page must show. */
  providersOf(username: string): Promise<ProviderRow[]>;
  close(): Promise<void>;
}

/**
 * The real application (startTestApp) with the demo world imported, listening on a free port
 * of the loopback interface so that a real browser can reach it. With `demoEcho`, seeded as
 * `npm start` seeds it: the port is chosen first, since "Local echo" points at the service's
 * own port, where the demo echo upstream answers.
 */
export async function serveApp(
  env: Record<string, string> = {},
  opts: { demoEcho?: boolean } = {},
): Promise<ServedApp> {
  const fixedPort = opts.demoEcho ? await freePort() : 0;
  const t = await startTestApp(opts.demoEcho ? { ...env, DEMO_DATA: 'true', PORT: String(fixedPort) } : env);
  try {
    const world = await readDemoWorld();
    if (opts.demoEcho) await t.app.get(DemoWorldService).seedIfEmpty();
    else await t.app.get(WorldImportService).importWorld(world);
    await t.app.listen({ port: fixedPort, host: '127.0.0.1' });
    const { port } = t.app.getHttpServer().address() as AddressInfo;
    // localhost, not 127.0.0.1: the allowed origins in CORS_ORIGINS are spelled that way, and
    // cookies for localhost are shared by every port, as they are on a developer's machine.
    const origin = `http://localhost:${port}`;
    const password = (username: string) => {
      const user = world.users.find((u) => u.username === username);
      if (!user) throw new Error(`${username} is not a demo user`);
      return user.password;
    };
    return {
      t,
      origin,
      world,
      password,
      async providersOf(username) {
        const token = await tokenFor(origin, username, password(username));
        const res = await fetch(`${origin}/dashboard/passthrough/api/providers/`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}` },
        });
        if (res.status !== 200) throw new Error(`providers of ${username}: ${res.status}`);
        return ((await res.json()) as { providers: ProviderRow[] }).providers;
      },
      close: () => t.close(),
    };
  } catch (err) {
    await t.close();
    throw err;
  }
}
