import { isIP } from 'node:net';
import { DomainError } from '../common/domain-error.js';
import type { AddressKind } from './address-ranges.js';

/*
 * Every outbound failure is one of these. Messages name the upstream's origin (scheme, host,
 * port) and never its path, query or any request header, since those may carry credentials.
 * A provider's answer that did not come is the gateway's failure (502), or 504 for a timeout.
 */

export type EgressPhase = 'connect' | 'first_byte' | 'idle' | 'total';

const PHASE_WAIT: Record<EgressPhase, string> = {
  connect: 'no connection (name resolution, TCP and TLS)',
  first_byte: 'no response headers',
  idle: 'no body data',
  total: 'no complete answer',
};

const KIND_LABEL: Record<AddressKind, string> = {
  public: 'a public address',
  cloud_metadata: 'a cloud metadata address',
  loopback: 'a loopback address',
  private: 'a private (RFC 1918) address',
  shared: 'a carrier-grade NAT address',
  link_local: 'a link-local address',
  unique_local: 'a unique-local address',
  unspecified: 'an unspecified address',
  multicast: 'a multicast address',
  reserved: 'a reserved address',
};

/**
 * The host is, or resolves to, an address the policy forbids. For a name, the address stays out
 * of the message: whoever may point a provider at a name should not learn the internal DNS.
 */
export class EgressRefusedAddressError extends DomainError {
  readonly code = 'egress_refused_address';
  readonly status = 502;
  constructor(
    readonly host: string,
    readonly address: string,
    readonly kind: AddressKind,
  ) {
    const what = `${isIP(host) ? 'is' : 'resolves to'} ${KIND_LABEL[kind]}`;
    super(`Refused to connect to ${host}: it ${what}, which outbound calls may not reach`);
  }
}

/**
 * The host and port may be reached only under some paths (the demo echo on the service's own
 * port), and this request is for another. The path stays out of the message, as everywhere.
 */
export class EgressRefusedPathError extends DomainError {
  readonly code = 'egress_refused_path';
  readonly status = 502;
  constructor(
    readonly host: string,
    readonly port: number,
  ) {
    super(`Refused to call ${host}:${port} at this path: outbound calls may reach it only under an allowed path`);
  }
}

export class EgressTimeoutError extends DomainError {
  readonly code = 'egress_timeout';
  readonly status = 504;
  constructor(
    readonly origin: string,
    readonly phase: EgressPhase,
    readonly timeoutMs: number,
  ) {
    super(`${origin}: ${PHASE_WAIT[phase]} within ${timeoutMs} ms (${phase} timeout)`);
  }
}

/** No connection: the name does not resolve, nothing listens, the network is unreachable, TLS failed. */
export class EgressConnectFailedError extends DomainError {
  readonly code = 'egress_connect_failed';
  readonly status = 502;
  constructor(
    readonly origin: string,
    readonly reason: string,
  ) {
    super(`${origin}: could not connect (${reason})`);
  }
}

/** Connected, but the answer broke off or was not valid HTTP. */
export class EgressResponseFailedError extends DomainError {
  readonly code = 'egress_response_failed';
  readonly status = 502;
  constructor(
    readonly origin: string,
    readonly reason: string,
  ) {
    super(`${origin}: the answer failed (${reason})`);
  }
}

export class EgressTooLargeError extends DomainError {
  readonly code = 'egress_too_large';
  readonly status = 502;
  constructor(
    readonly origin: string,
    readonly maxBytes: number,
  ) {
    super(`${origin}: the answer is larger than ${maxBytes} bytes`);
  }
}

/** The caller's AbortSignal fired (e.g. the client of a passthrough went away). */
export class EgressAbortedError extends DomainError {
  readonly code = 'egress_aborted';
  // nginx's "client closed request": whoever aborted is usually no longer there to read it.
  readonly status = 499;
  constructor(readonly origin: string) {
    super(`${origin}: the call was aborted by its caller`);
  }
}

/** A call this module will not make as asked: a URL that is not http(s), or carries credentials; an invalid header. */
export class EgressInvalidRequestError extends DomainError {
  readonly code = 'egress_invalid_request';
  readonly status = 500;
  constructor(reason: string) {
    super(`Outbound call refused: ${reason}`);
  }
}

/** Start-up refusal: a malformed EGRESS_ALLOW_HOSTS entry. */
export class EgressConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EgressConfigError';
  }
}
