/**
 * Which distribution this build of the settings page is for. This committed file is the private
 * (static-auth) variant; `npm run build:hubspot -- --distribution marketplace` writes the
 * marketplace one, with the backend URL the page calls through hubspot.fetch.
 */
export type Distribution = { kind: 'private' } | { kind: 'marketplace'; backendUrl: string };

export const DISTRIBUTION: Distribution = { kind: 'private' };
