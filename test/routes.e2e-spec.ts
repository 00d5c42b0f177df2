import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { ModulesContainer } from '@nestjs/core';
import type { FastifyInstance, HTTPMethods } from 'fastify';
import { IS_AUTHENTICATED } from '../src/auth/authenticated.decorator.js';
import { IS_PUBLIC } from '../src/auth/public.decorator.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/**
 * Every route that answers an anonymous request with something other than 401. Adding a
 * route here is a decision about who can reach it: it shows up in review as a diff of this list.
 */
const PUBLIC_ROUTES = [
  'GET /healthz',
  'GET /readyz',
  'POST /auth/login',
  'POST /auth/logout',
  'GET /login',
  'POST /login',
  'GET /login/login.css',
  // The dashboard page's content-hashed script, stylesheet and icon: no data, loaded before sign-in.
  'GET /dashboard/passthrough/assets/:file',
];

interface Route {
  method: HTTPMethods;
  url: string;
}

/**
 * Every route Fastify has, Nest's and the others (Swagger UI, CORS preflight), read from its
 * route tree and each confirmed with hasRoute, so that a misread tree fails the test rather than
 * hiding a route.
 */
function registeredRoutes(fastify: FastifyInstance): Route[] {
  const routes: Route[] = [];
  const parents: string[] = [];
  for (const line of fastify.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^((?:│ {3}| {4})*)(?:├── |└── )(.+?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!match) continue;
    const depth = match[1].length / 4;
    parents.length = depth;
    const segment = match[2];
    // find-my-way prints a wildcard without the path of the handler-less node above it
    // (`/docs/*` shows as `*` under `/docs`, `/*` as `*`): the slash it drops is put back.
    const candidates =
      segment === '*' ? [`${parents.join('')}*`, `${parents.join('')}/*`] : [parents.join('') + segment];
    parents.push(segment);
    for (const method of (match[3] ?? '').split(', ').filter(Boolean) as HTTPMethods[]) {
      const url = candidates.find((candidate) => fastify.hasRoute({ method, url: candidate }));
      if (!url) throw new Error(`Misread the route tree: ${method} ${candidates[0]}`);
      routes.push({ method, url });
    }
  }
  return routes;
}

describe('route inventory: every route is public on purpose or guarded', () => {
  let t: TestApp;
  let routes: Route[];

  beforeAll(async () => {
    t = await startTestApp();
    routes = registeredRoutes(t.app.getHttpAdapter().getInstance());
  });
  afterAll(async () => {
    await t?.close();
  });

  /** Swagger UI's own files and the CORS preflight route: not Nest controllers, no data. */
  const isInfrastructure = ({ method, url }: Route) =>
    url === '/docs' || url.startsWith('/docs') || (method === 'OPTIONS' && url === '/*');

  it('reads a sensible route list', () => {
    expect(routes.length).toBeGreaterThan(PUBLIC_ROUTES.length);
    expect(routes).toEqual(
      expect.arrayContaining([
        { method: 'GET', url: '/auth/me' },
        { method: 'POST', url: '/auth/login' },
      ]),
    );
  });

  it('anonymous requests get 401 everywhere except the public list (and Swagger UI, CORS preflight)', async () => {
    const reachable: string[] = [];
    for (const route of routes) {
      if (route.method === 'HEAD' || isInfrastructure(route)) continue;
      // Parameters and wildcards get a harmless value; the guard runs before the handler reads them.
      const url = route.url.replace(/:[^/]+/g, 'x').replace(/\*/g, 'x');
      const res = await t.inject({ method: route.method, url, headers: { accept: 'application/json' } });
      expect(res.statusCode).not.toBe(500);
      if (res.statusCode !== 401) reachable.push(`${route.method} ${route.url}`);
    }
    expect(reachable.sort()).toEqual([...PUBLIC_ROUTES].sort());
  });

  it('every controller route is explicitly @Public() or @Authenticated(), never both', () => {
    const undecided: string[] = [];
    for (const module of t.app.get(ModulesContainer).values()) {
      for (const wrapper of module.controllers.values()) {
        const controller = wrapper.metatype as { new (): object } | null;
        if (!controller) continue;
        const prototype = controller.prototype as Record<string, unknown>;
        for (const name of Object.getOwnPropertyNames(prototype)) {
          const handler = prototype[name];
          if (name === 'constructor' || typeof handler !== 'function') continue;
          if (Reflect.getMetadata(METHOD_METADATA, handler) === undefined) continue;
          const flag = (key: string) => Reflect.getMetadata(key, handler) ?? Reflect.getMetadata(key, controller);
          const isPublic = flag(IS_PUBLIC) === true;
          const isAuthenticated = flag(IS_AUTHENTICATED) === true;
          if (isPublic === isAuthenticated) {
            const path = `${Reflect.getMetadata(PATH_METADATA, controller)}/${Reflect.getMetadata(PATH_METADATA, handler)}`;
            undecided.push(
              `${controller.name}.${name} (${RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler)]} ${path})`,
            );
          }
        }
      }
    }
    expect(undecided).toEqual([]);
  });

  it('Swagger documents both security schemes, on every guarded operation', async () => {
    const res = await t.inject({ method: 'GET', url: '/docs-json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.components.securitySchemes).toEqual({
      bearer: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
      cookie: expect.objectContaining({ type: 'apiKey', in: 'cookie', name: 'access_token' }),
    });
    const publicOperations = new Set(PUBLIC_ROUTES.map((r) => r.toLowerCase()));
    const undocumented: string[] = [];
    for (const [path, operations] of Object.entries(
      doc.paths as Record<string, Record<string, { security?: object[] }>>,
    )) {
      for (const [method, operation] of Object.entries(operations)) {
        const key = `${method} ${path.replace(/\/$/, '')}`.toLowerCase();
        if (publicOperations.has(key) || publicOperations.has(`${method} ${path}`.toLowerCase())) continue;
        const schemes = (operation.security ?? []).flatMap((s) => Object.keys(s));
        if (!schemes.includes('bearer') || !schemes.includes('cookie'))
          undocumented.push(`${method.toUpperCase()} ${path}`);
      }
    }
    expect(undocumented).toEqual([]);
  });
});
