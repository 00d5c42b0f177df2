import { STATUS_CODES } from 'node:http';

/** The one shape of every error body: `{ statusCode, error, message }`, plus `code` for a DomainError. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string | string[];
  /** A stable machine-readable reason, for errors the domain raises (see DomainError). */
  code?: string;
  /** A DomainError's details (see DomainError.details). */
  [detail: string]: unknown;
}

export function errorBody(statusCode: number, message: string | string[]): ErrorBody {
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message };
}
