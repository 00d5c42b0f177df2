import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import helmet, { type HelmetOptions } from 'helmet';
import Fastify from 'fastify';
import { registerSecurityHeaders, securityHeaders, serviceSecurityHeaders } from './security-headers.js';

/** The headers helmet's own middleware puts on a real Node response with these options. */
async function helmetOnARealResponse(options: HelmetOptions): Promise<Record<string, string>> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    // X-Powered-By is set first, as Express would, to see helmet remove it.
    res.setHeader('X-Powered-By', 'something');
    helmet(options)(req, res, () => res.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    const headers: Record<string, string> = {};
    const transport = new Set(['connection', 'content-length', 'date', 'keep-alive', 'transfer-encoding']);
    response.headers.forEach((value, name) => {
      if (!transport.has(name)) headers[name] = value;
    });
    return headers;
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

describe('securityHeaders', () => {
  it.each<[string, HelmetOptions]>([
    ['helmet’s defaults', {}],
    [
      'a policy of our own, HSTS, no referrer',
      {
        contentSecurityPolicy: { useDefaults: false, directives: { 'default-src': ["'none'"] } },
        referrerPolicy: { policy: 'no-referrer' },
        strictTransportSecurity: { maxAge: 60, includeSubDomains: true },
        crossOriginResourcePolicy: { policy: 'cross-origin' },
      },
    ],
  ])('records exactly what helmet sets on a real response: %s', async (_what, options) => {
    expect(securityHeaders(options)).toEqual(await helmetOnARealResponse(options));
  });

  it('the service’s set: nothing may load or frame, no referrer, HSTS only when asked for', () => {
    const plain = serviceSecurityHeaders({ hsts: false });
    expect(plain).toEqual({
      'content-security-policy': "default-src 'none';base-uri 'none';form-action 'none';frame-ancestors 'none'",
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-resource-policy': 'same-origin',
      'origin-agent-cluster': '?1',
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
      'x-dns-prefetch-control': 'off',
      'x-download-options': 'noopen',
      'x-frame-options': 'DENY',
      'x-permitted-cross-domain-policies': 'none',
      'x-xss-protection': '0',
    });
    expect(serviceSecurityHeaders({ hsts: true })).toEqual({
      ...plain,
      'strict-transport-security': 'max-age=31536000; includeSubDomains',
    });
  });

  it('refuses, when a route is added, helmet options it could not record once', async () => {
    const app = Fastify();
    registerSecurityHeaders(app, { hsts: false });
    const nonce = () => "'nonce-x'";
    app.get('/own', { config: { helmet: { crossOriginResourcePolicy: { policy: 'cross-origin' } } } }, () => 'ok');
    expect(() => app.get('/none', { config: { helmet: false } }, () => 'ok')).toThrow(/plain values/);
    expect(() =>
      app.get(
        '/nonce',
        { config: { helmet: { contentSecurityPolicy: { directives: { 'script-src': [nonce] } } } } },
        () => 'ok',
      ),
    ).toThrow(/plain values/);
    const res = await app.inject({ method: 'GET', url: '/own' });
    expect(res.headers['cross-origin-resource-policy']).toBe('cross-origin');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    await app.close();
  });
});
