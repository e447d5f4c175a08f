/**
 * What every use case receives. Composition roots (server, cli, functions) build it; the
 * pipeline never constructs an adapter itself.
 */
import type { CrmPort } from '../crm/port';
import type { PortalStore } from '../store/port';

export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export interface PipelineDeps {
  crm: CrmPort;
  /** The store of the one portal this run serves. */
  store: PortalStore;
  /** Epoch ms; injectable so tests and the demo control time. */
  now: () => number;
  log: Logger;
  /** Seed of every random choice in training. */
  seed: number;
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
