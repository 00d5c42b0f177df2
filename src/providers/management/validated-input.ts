import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validateSync, ValidateBy, type ValidationError, type ValidationOptions } from 'class-validator';
import type { FastifyRequest } from 'fastify';
import type { FieldProblem } from '../../common/error-body.js';
import { ProviderValidationError } from '../providers.errors.js';

/**
 * The request's body (or query) as an instance of `cls`, or a 400 listing every problem with its
 * field; a field the class does not declare is a problem too. A parameter decorator rather than
 * a pipe because the app's global ValidationPipe strips unknown fields before any route pipe
 * would see them, and it leaves custom decorators alone.
 */
export function ValidatedBody<T extends object>(cls: ClassConstructor<T>): ParameterDecorator {
  return validatedFrom('body')(cls);
}

export function ValidatedQuery<T extends object>(cls: ClassConstructor<T>): ParameterDecorator {
  return validatedFrom('query')(cls);
}

function validatedFrom(part: 'body' | 'query') {
  return createParamDecorator((cls: ClassConstructor<object>, context: ExecutionContext) => {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    return validated(cls, part === 'body' ? request.body : (request.query ?? {}));
  });
}

/** Exported for unit tests: the same check the decorators make. */
export function validated<T extends object>(cls: ClassConstructor<T>, input: unknown): T {
  if (input === undefined || input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new ProviderValidationError([{ field: '', message: 'the body must be a JSON object' }]);
  }
  const instance = plainToInstance(cls, input);
  const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true });
  if (errors.length > 0) throw new ProviderValidationError(errors.flatMap(problemsOf));
  return instance;
}

function problemsOf(error: ValidationError): FieldProblem[] {
  return Object.values(error.constraints ?? {}).map((message) => ({
    field: error.property,
    // class-validator starts its messages with the property's name; the field already says it.
    message: message.startsWith(`${error.property} `) ? message.slice(error.property.length + 1) : message,
  }));
}

/** Text PostgreSQL stores as written: no NUL, no lone surrogate (as the world import requires). */
export function IsStorableText(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isStorableText',
      validator: {
        validate: (value: unknown) => typeof value !== 'string' || !UNSTORABLE.test(value),
        defaultMessage: () => '$property must not contain NUL or a lone surrogate',
      },
    },
    options,
  );
}

const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** A string that `problemOf` finds nothing wrong with; the message is the problem it found. */
export function Satisfies(
  name: string,
  problemOf: (value: string) => string | null,
  options?: ValidationOptions,
): PropertyDecorator {
  return ValidateBy(
    {
      name,
      validator: {
        validate: (value: unknown) => typeof value !== 'string' || problemOf(value) === null,
        defaultMessage: (args) => `$property ${problemOf(String(args?.value)) ?? 'is not valid'}`,
      },
    },
    options,
  );
}
