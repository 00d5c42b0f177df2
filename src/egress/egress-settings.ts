import type { AllowedPath } from './egress-policy.js';
import type { Resolver } from './guarded-connector.js';

/** The plain settings the egress module is built from (the lead maps AppConfig onto these). */
export interface EgressSettings {
  /** EGRESS_ALLOW_PRIVATE: every address may be reached (tests, a demo on one machine). */
  allowPrivate: boolean;
  /** EGRESS_ALLOW_HOSTS: hosts (or host:port) reached whatever they resolve to. */
  allowHosts: readonly string[];
  /** host:port reached whatever it resolves to, but only under a path prefix (the demo echo). */
  allowPaths: readonly AllowedPath[];
  /** Name resolution, TCP and TLS together. */
  connectTimeoutMs: number;
  /** From the request sent to the response headers received. */
  firstByteTimeoutMs: number;
  /** Longest pause between two chunks of the body. */
  idleTimeoutMs: number;
  /** The whole call, from start to the last byte of the body. */
  totalTimeoutMs: number;
  /** Bound of a buffered answer (`request`); a streamed one is relayed, not held. */
  maxResponseBytes: number;
  /** Only tests replace it; see Resolver. */
  resolve?: Resolver;
}

/** The passthrough's figures; verification passes its own shorter total per call. */
export const EGRESS_DEFAULTS = {
  allowPrivate: false,
  allowHosts: [],
  allowPaths: [],
  connectTimeoutMs: 5_000,
  firstByteTimeoutMs: 60_000,
  idleTimeoutMs: 60_000,
  totalTimeoutMs: 10 * 60_000,
  maxResponseBytes: 10 * 1024 * 1024,
} as const satisfies EgressSettings;

/** Per-call overrides of the module's limits (verification's 10 s total, a smaller size bound). */
export interface EgressCallLimits {
  firstByteTimeoutMs?: number;
  idleTimeoutMs?: number;
  totalTimeoutMs?: number;
  maxResponseBytes?: number;
}

/** The settings with every unset value at its default. */
export function egressSettings(values: Partial<EgressSettings> = {}): EgressSettings {
  const defined = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined));
  return { ...EGRESS_DEFAULTS, ...defined };
}
