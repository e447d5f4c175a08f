/**
 * Which CRM portal to talk to: flags first, then environment, then the default portal of
 * hubspot.config.yml. The token is never printed.
 */
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { LeadLensError } from '../contracts/errors';
import { secretFrom } from './secrets';

const PortalSchema = z.object({
  name: z.string(),
  portalId: z.union([z.number(), z.string()]).optional(),
  personalAccessKey: z.string().optional(),
  auth: z
    .object({ tokenInfo: z.object({ accessToken: z.string() }).partial() })
    .partial()
    .optional(),
  baseUrl: z.string().url().optional(),
});
const ConfigSchema = z.object({
  defaultPortal: z.string().optional(),
  portals: z.array(PortalSchema).min(1),
});

export interface PortalTarget {
  name: string;
  baseUrl: string;
  token: string;
  /** The portal (hub) id the store files this portal's data under. */
  portalId: string;
}

export const HUBSPOT_API = 'https://api.hubapi.com';

export function resolvePortal(opts: {
  baseUrl?: string;
  /** --token: accepted with a warning (the process list shows it). */
  token?: string;
  /** --token-file */
  tokenFile?: string;
  portalId?: string;
  configPath?: string;
  env?: NodeJS.ProcessEnv;
  warn?: (line: string) => void;
}): PortalTarget {
  const env = opts.env ?? process.env;
  const file = opts.configPath ?? env.HUBSPOT_CONFIG_PATH ?? path.resolve('hubspot.config.yml');
  let fromFile: { name: string; baseUrl?: string; token?: string; portalId?: string } | null = null;
  if (existsSync(file)) {
    let raw: unknown;
    try {
      raw = parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new LeadLensError('CONFIG_INVALID', `${file} is not valid YAML.`, {
        cause: e,
        hint: 'Fix the file or pass --base-url and --token.',
      });
    }
    const cfg = ConfigSchema.safeParse(raw);
    if (!cfg.success) {
      throw new LeadLensError(
        'CONFIG_INVALID',
        `${file} does not look like a HubSpot config: ${cfg.error.issues[0]?.message}.`,
        {
          hint: 'It needs `defaultPortal` and a `portals` list; see the committed hubspot.config.yml.',
        },
      );
    }
    const portal =
      cfg.data.portals.find((p) => p.name === cfg.data.defaultPortal) ?? cfg.data.portals[0];
    fromFile = {
      name: portal.name,
      baseUrl: portal.baseUrl,
      token: portal.auth?.tokenInfo?.accessToken ?? portal.personalAccessKey,
      portalId: portal.portalId === undefined ? undefined : String(portal.portalId),
    };
  }
  const explicit = secretFrom({
    what: 'HubSpot access token',
    flagValue: opts.token,
    flagName: '--token',
    fileFlagValue: opts.tokenFile,
    fileFlagName: '--token-file',
    envVar: 'HUBSPOT_ACCESS_TOKEN',
    env,
    warn: opts.warn,
  });
  const token = explicit?.value ?? fromFile?.token;
  if (!token) {
    throw new LeadLensError('CONFIG_INVALID', 'No HubSpot access token was given.', {
      hint: 'Pass --token-file FILE, set HUBSPOT_ACCESS_TOKEN (or HUBSPOT_ACCESS_TOKEN_FILE), or add personalAccessKey to hubspot.config.yml.',
    });
  }
  return {
    name:
      opts.baseUrl || opts.token || opts.tokenFile
        ? 'command line'
        : (fromFile?.name ?? 'environment'),
    baseUrl: (opts.baseUrl ?? env.HUBSPOT_BASE_PATH ?? fromFile?.baseUrl ?? HUBSPOT_API).replace(
      /\/$/,
      '',
    ),
    token,
    // A token from the command line or the environment may be any portal's: the config
    // file's portal id applies only when its token is the one used.
    portalId:
      opts.portalId ??
      env.HUBSPOT_PORTAL_ID ??
      (token === fromFile?.token ? fromFile?.portalId : undefined) ??
      'default',
  };
}
