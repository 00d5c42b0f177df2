import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DashboardPage } from '../../../src/dashboard/dashboard-page.js';

export interface OtherOrigin {
  /** http://localhost:<port> */
  origin: string;
  /** Serve the page with this API base (the service's origin); set once the service is up. */
  setApiBase(apiBase: string): void;
  close(): Promise<void>;
}

/**
 * A tiny static server on another port: another origin, as the dashboard app's own server
 * would be. It serves the very page the service serves (same template and hashed assets),
 * with the service's origin as the API base and in the policy's connect-src.
 */
export async function serveOtherOrigin(page: () => DashboardPage): Promise<OtherOrigin> {
  let apiBase = '';
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const dashboard = page();
    if (path === '/') {
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        'content-security-policy': dashboard.contentSecurityPolicy(apiBase),
      });
      res.end(dashboard.render(apiBase));
      return;
    }
    const asset = path.startsWith('/dashboard/passthrough/assets/')
      ? dashboard.assets.get(path.split('/').pop()!)
      : undefined;
    if (asset) {
      res.writeHead(200, { 'content-type': asset.contentType });
      res.end(asset.body);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://localhost:${port}`,
    setApiBase(base) {
      apiBase = base;
    },
    close: () => new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}
