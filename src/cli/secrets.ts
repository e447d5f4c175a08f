/**
 * Secrets for the CLI (the HubSpot access token, the app's client secret): from a file or the
 * environment. A secret typed as a flag value is still accepted for compatibility, with a
 * warning, because argv is world-readable (`ps`, /proc/PID/cmdline) for as long as the process
 * runs — a `serve` may run for months.
 */
import { LeadLensError } from '../contracts/errors';
import { looselyPermitted, readSecretFile } from '../server/auth';

export interface SecretSources {
  /** What it is, for messages: "HubSpot access token". */
  what: string;
  /** The value of a --flag holding the secret itself (discouraged). */
  flagValue?: string;
  flagName: string;
  /** The value of a --flag-file option. */
  fileFlagValue?: string;
  fileFlagName: string;
  /** NAME of the variable holding the secret, and NAME_FILE of the one naming its file. */
  envVar: string;
  env?: NodeJS.ProcessEnv;
  warn?: (line: string) => void;
}

export interface Secret {
  value: string;
  source: string;
}

const stderrWarn = (line: string) => process.stderr.write(`leadlens: warning: ${line}\n`);

/** The secret from the first source that has one, or null. Two explicit flags conflict. */
export function secretFrom(s: SecretSources): Secret | null {
  const env = s.env ?? process.env;
  const warn = s.warn ?? stderrWarn;
  if (s.flagValue !== undefined && s.fileFlagValue !== undefined) {
    throw new LeadLensError(
      'CONFIG_INVALID',
      `Both ${s.flagName} and ${s.fileFlagName} are given.`,
      {
        hint: `Keep ${s.fileFlagName}.`,
      },
    );
  }
  const fromFile = (file: string, how: string): Secret => {
    if (looselyPermitted(file)) {
      warn(`${file} (${s.what}) is readable by other users; chmod 600 it.`);
    }
    return { value: readSecretFile(file, s.what), source: how };
  };
  if (s.fileFlagValue !== undefined) return fromFile(s.fileFlagValue, `${s.fileFlagName}`);
  if (s.flagValue !== undefined) {
    warn(
      `${s.flagName} puts the ${s.what} in the process list, where every user of this machine can read it; use ${s.fileFlagName} FILE or ${s.envVar} instead.`,
    );
    return { value: s.flagValue, source: s.flagName };
  }
  const envFile = env[`${s.envVar}_FILE`];
  if (envFile) return fromFile(envFile, `${s.envVar}_FILE`);
  const inline = env[s.envVar];
  if (inline) return { value: inline, source: s.envVar };
  return null;
}
