import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StaticPages {
  /** The port the pages are served on, on 127.0.0.1 (reachable as localhost or 127.0.0.1). */
  port: number;
  /** Serve this HTML at this path (replacing what was there). */
  set(path: string, html: string): void;
  close(): Promise<void>;
}

/**
 * Another site's pages, as an attacker would host them: fixed HTML by path, on a port of its
 * own. Reached as `http://127.0.0.1:<port>` it is another site than the service's
 * `http://localhost:<port>`; reached as `http://localhost:<port>` it is another origin of the
 * same site (as a sibling subdomain would be). A real server, not a route the browser
 * fulfils: Chromium treats the two differently for requests the page then makes.
 */
export async function serveStaticPages(): Promise<StaticPages> {
  const pages = new Map<string, string>();
  const server: Server = createServer((req, res) => {
    const html = pages.get(new URL(req.url ?? '/', 'http://localhost').pathname);
    res.writeHead(html === undefined ? 404 : 200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(html ?? 'not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    set: (path, html) => void pages.set(path, html),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
