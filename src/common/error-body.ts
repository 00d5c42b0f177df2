import { STATUS_CODES } from 'node:http';

/** The one shape of every error body: `{ statusCode, error, message }`, plus `code` for a DomainError. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string | string[];
  /** A stable machine-readable reason, for errors the domain raises (see DomainError). */
  code?: string;
  /** For a 400 about the request's content: every problem found, each with the field it concerns. */
  problems?: FieldProblem[];
  /** A DomainError's other details (see DomainError.details). */
  [detail: string]: unknown;
}

/** One thing wrong with a request's content; `field` names it as the client sent it (e.g. `base_url`). */
export interface FieldProblem {
  field: string;
  message: string;
}

export function errorBody(statusCode: number, message: string | string[]): ErrorBody {
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message };
}
