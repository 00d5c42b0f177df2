import type { ErrorObject } from 'ajv/dist/2020.js';

/** Turns an Ajv error into the path of the offending value and a sentence about it. */
export function fromSchemaError(error: ErrorObject): [string, string] {
  const at = pathFromPointer(error.instancePath);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return [join(at, String(params.missingProperty)), 'is required'];
    case 'additionalProperties':
      return [join(at, String(params.additionalProperty)), `is not a field of ${describe(at)}`];
    case 'type': {
      const types = ([] as string[]).concat(params.type as string | string[]);
      return [at || '(top level)', `must be ${types.map(article).join(' or ')}`];
    }
    case 'const':
      return [at, `must be ${JSON.stringify(params.allowedValue)}`];
    case 'minLength':
      return [at, 'must not be empty'];
    case 'uniqueItems':
      return [`${at}[${params.i as number}]`, `repeats ${at}[${params.j as number}]`];
    default:
      return [at || '(top level)', error.message ?? 'is not valid'];
  }
}

/** `/providers/12/owner/accountNumber` → `providers[12].owner.accountNumber`. */
export function pathFromPointer(pointer: string): string {
  if (!pointer) return '';
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((path, segment) => (/^\d+$/.test(segment) ? `${path}[${segment}]` : join(path, segment)), '');
}

function join(path: string, key: string): string {
  const part = /^[A-Za-z_$][\w$]*$/.test(key) ? key : `[${JSON.stringify(key)}]`;
  return !path || part.startsWith('[') ? `${path}${part}` : `${path}.${part}`;
}

function describe(path: string): string {
  if (!path) return 'a world file';
  if (/\.owner$/.test(path)) return 'an owner';
  const section = /^(accounts|users|providers)\[\d+\]$/.exec(path)?.[1];
  return section ? `${section === 'accounts' ? 'an account' : `a ${section.slice(0, -1)}`}` : path;
}

function article(type: string): string {
  return type === 'null'
    ? 'null'
    : type === 'array' || type === 'object' || type === 'integer'
      ? `an ${type}`
      : `a ${type}`;
}
