/** What both engines share: error wording, settings parsing, secrets in install rows, fencing. */
import { LeadLensError } from '../contracts/errors';
import type { CrmRecord } from '../contracts/records';
import { DEFAULT_SETTINGS, SettingsSchema, type Settings } from '../contracts/settings';
import {
  PORTAL_ID_PATTERN,
  type FeedbackOutcome,
  type FeedbackRow,
  type Install,
  type InstallInput,
  type LeaseInfo,
  type PortalStore,
  type ScoreRow,
  type StoredObjectType,
  type StoreOps,
  type WriteFailureRow,
} from './port';
import { requireBox, Secret, type SecretBox } from './secrets';

export function checkPortalId(portalId: string): string {
  if (typeof portalId !== 'string' || !PORTAL_ID_PATTERN.test(portalId)) {
    throw new LeadLensError('INPUT_INVALID', `"${String(portalId)}" is not a portal id.`, {
      hint: 'Use the HubSpot hub id (digits), or letters, digits, "_", "-" and "." (at most 64).',
    });
  }
  return portalId;
}

export function storeError(what: string, cause: unknown): LeadLensError {
  if (cause instanceof LeadLensError) return cause;
  return new LeadLensError('STORE_ERROR', `The LeadLens database failed to ${what}.`, {
    hint: 'Check that the database is reachable and not full; if another LeadLens process holds a SQLite file, wait for it or stop it.',
    cause,
  });
}

export function parseSettings(json: string | null): Settings {
  if (json === null) return DEFAULT_SETTINGS;
  const parsed = SettingsSchema.safeParse(JSON.parse(json));
  if (!parsed.success) {
    throw new LeadLensError('STORE_ERROR', 'The stored settings are not valid any more.', {
      hint: 'Save the settings again from the settings page (or `leadlens settings`).',
      details: { issues: parsed.error.issues.map((i) => i.message) },
    });
  }
  return parsed.data;
}

export function jobLocked(portalId: string, lease: LeaseInfo): LeadLensError {
  return new LeadLensError(
    'JOB_LOCKED',
    `Portal ${portalId} is busy: ${lease.holder} has been running "${lease.purpose}" since ${lease.acquiredAt}.`,
    {
      hint: `Wait for it to finish (\`leadlens status\` shows it). If that process died, its lease expires at ${lease.expiresAt} and the next run resumes from its checkpoint.`,
      details: { ...lease },
    },
  );
}

export function leaseLost(portalId: string, token: number): LeadLensError {
  return new LeadLensError(
    'JOB_LOCKED',
    `This run lost portal ${portalId}'s lease (grant ${token}): it stalled past its expiry and another run took over.`,
    {
      hint: 'Nothing of this run after the takeover was kept; the other run continues from the last checkpoint.',
      details: { token },
    },
  );
}

/** An install row as stored: tokens as ciphertext. */
export interface InstallRecord {
  portalId: string;
  status: Install['status'];
  auth: Install['auth'];
  hubId: string | null;
  scopes: string[];
  apiBaseUrl: string;
  accessTokenEnc: string | null;
  accessTokenExpiresAt: string | null;
  refreshTokenEnc: string | null;
  installedAt: string;
  uninstalledAt: string | null;
  updatedAt: string;
}

/** An `installs` row as either engine returns it. */
export interface InstallDbRow {
  portal_id: string;
  status: 'installed' | 'uninstalled';
  auth: 'private_app' | 'oauth';
  hub_id: string | null;
  scopes: string;
  api_base_url: string;
  access_token_enc: string | null;
  access_token_expires_at: string | null;
  refresh_token_enc: string | null;
  installed_at: string;
  uninstalled_at: string | null;
  updated_at: string;
}

export function toInstallRecord(r: InstallDbRow): InstallRecord {
  return {
    portalId: r.portal_id,
    status: r.status,
    auth: r.auth,
    hubId: r.hub_id,
    scopes: JSON.parse(r.scopes) as string[],
    apiBaseUrl: r.api_base_url,
    accessTokenEnc: r.access_token_enc,
    accessTokenExpiresAt: r.access_token_expires_at,
    refreshTokenEnc: r.refresh_token_enc,
    installedAt: r.installed_at,
    uninstalledAt: r.uninstalled_at,
    updatedAt: r.updated_at,
  };
}

const aad = (portalId: string, field: string) => `leadlens:${portalId}:${field}`;

export function sealInstall(
  portalId: string,
  input: InstallInput,
  box: SecretBox | null,
  at: string,
): InstallRecord {
  const seal = (s: Secret | null, field: string) =>
    s === null ? null : requireBox(box).encrypt(s.reveal(), aad(portalId, field));
  return {
    portalId,
    status: 'installed',
    auth: input.auth,
    hubId: input.hubId,
    scopes: [...input.scopes],
    apiBaseUrl: input.apiBaseUrl,
    accessTokenEnc: seal(input.accessToken, 'access_token'),
    accessTokenExpiresAt: input.accessTokenExpiresAt,
    refreshTokenEnc: seal(input.refreshToken, 'refresh_token'),
    installedAt: input.installedAt,
    uninstalledAt: null,
    updatedAt: at,
  };
}

export function openInstall(rec: InstallRecord, box: SecretBox | null): Install {
  const open = (enc: string | null, field: string) =>
    enc === null ? null : new Secret(requireBox(box).decrypt(enc, aad(rec.portalId, field)));
  return {
    portalId: rec.portalId,
    status: rec.status,
    auth: rec.auth,
    hubId: rec.hubId,
    scopes: rec.scopes,
    apiBaseUrl: rec.apiBaseUrl,
    accessToken: open(rec.accessTokenEnc, 'access_token'),
    accessTokenExpiresAt: rec.accessTokenExpiresAt,
    refreshToken: open(rec.refreshTokenEnc, 'refresh_token'),
    installedAt: rec.installedAt,
    uninstalledAt: rec.uninstalledAt,
    updatedAt: rec.updatedAt,
  };
}

/** Re-encrypts a ciphertext under the current key; null when it already is. */
export function reseal(
  portalId: string,
  field: string,
  enc: string | null,
  box: SecretBox,
): string | null {
  if (enc === null || box.keyIdOf(enc) === box.currentKeyId) return null;
  return box.encrypt(box.decrypt(enc, aad(portalId, field)), aad(portalId, field));
}

const WRITES = [
  'upsertRecords',
  'markHistorySynced',
  'upsertDeals',
  'saveJob',
  'saveModel',
  'publishModel',
  'saveObjectModel',
  'putScores',
  'markWritten',
  'recordWriteFailures',
  'clearWriteFailures',
  'saveSettings',
  'addFeedback',
  'rememberEvent',
  'saveInstall',
  'markUninstalled',
  'putModelScores',
  'addAlert',
  'updateAlert',
  'addDecision',
  'addMonitorRun',
  'addSpike',
  'updateSpike',
] as const satisfies ReadonlyArray<keyof StoreOps>;

/**
 * `store` with every write checked against lease `token` in the same transaction as the write,
 * so a holder that lost its lease cannot change anything after its successor started.
 */
export function fenceStore(store: PortalStore, token: number): PortalStore {
  const fenced: PortalStore = Object.create(store) as PortalStore;
  const guardTx = <T>(fn: (tx: StoreOps) => Promise<T>) =>
    store.transaction(async (tx) => {
      await tx.assertLease(token);
      return fn(tx);
    });
  for (const name of WRITES) {
    Object.defineProperty(fenced, name, {
      value: (...args: unknown[]) =>
        guardTx((tx) => (tx[name] as (...a: unknown[]) => Promise<unknown>)(...args)),
    });
  }
  Object.defineProperty(fenced, 'transaction', { value: guardTx });
  Object.defineProperty(fenced, 'withFence', { value: (t: number) => fenceStore(store, t) });
  return fenced;
}

/** A `write_failures` row as either engine returns it. */
export interface FailureDbRow {
  object_type: string;
  id: string;
  code: string;
  message: string;
  retryable: number | boolean;
  attempts: number;
  values_key: string;
  failed_at: string;
}

export function toFailure(r: FailureDbRow): WriteFailureRow {
  return {
    objectType: r.object_type as StoredObjectType,
    id: r.id,
    code: r.code,
    message: r.message,
    retryable: r.retryable === true || r.retryable === 1,
    attempts: r.attempts,
    valuesKey: r.values_key,
    failedAt: r.failed_at,
  };
}

/** A `records` row as either engine returns it (the columns a record is read from). */
export interface RecordDbRow {
  object_type: string;
  id: string;
  created_at: string;
  updated_at: string;
  properties: string;
  history: string;
  associations: string;
}

export function toRecord(r: RecordDbRow): CrmRecord {
  return {
    id: r.id,
    objectType: r.object_type as CrmRecord['objectType'],
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    properties: JSON.parse(r.properties) as CrmRecord['properties'],
    history: JSON.parse(r.history) as CrmRecord['history'],
    associations: JSON.parse(r.associations) as CrmRecord['associations'],
  };
}

/** A `scores` row as either engine returns it. */
export interface ScoreDbRow {
  object_type: string;
  id: string;
  model_version: number;
  probability: number;
  score: number;
  tier: string;
  factors: string;
  reasons: string;
  scored_at: string;
}

export function toScore(r: ScoreDbRow): ScoreRow {
  return {
    objectType: r.object_type as StoredObjectType,
    id: r.id,
    modelVersion: r.model_version,
    probability: r.probability,
    score: r.score,
    tier: r.tier,
    factors: r.factors,
    reasons: r.reasons,
    scoredAt: r.scored_at,
  };
}

/** A `feedback` row as either engine returns it (PostgreSQL's bigserial id as a string). */
export interface FeedbackDbRow {
  id: number | string;
  object_type: string;
  record_id: string;
  kind: string;
  comment: string;
  score: number | null;
  model_version: number | null;
  user_id: string | null;
  created_at: string;
  outcome: string | null;
}

export function toFeedback(r: FeedbackDbRow): FeedbackRow {
  return {
    id: Number(r.id),
    objectType: r.object_type as StoredObjectType,
    recordId: r.record_id,
    kind: r.kind,
    comment: r.comment,
    score: r.score,
    modelVersion: r.model_version,
    userId: r.user_id,
    createdAt: r.created_at,
    ...(r.outcome ? { outcome: r.outcome as FeedbackOutcome } : {}),
  };
}
