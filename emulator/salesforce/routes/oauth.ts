/**
 * POST /services/oauth2/token: the refresh-token and client-credentials flows (form-encoded),
 * answering what jsforce's OAuth2 client reads (access_token, instance_url, id) plus the rest of
 * Salesforce's token response. Token requests are not API calls: they do not count.
 */
import express, { type Express } from 'express';
import { type Org } from '../org';

export function registerOAuth(app: Express, org: Org, instanceUrl: () => string): void {
  const form = express.urlencoded({ extended: false });
  app.post('/services/oauth2/token', form, (req, res) => {
    const b = (req.body ?? {}) as Record<string, string>;
    const client = org.clients.find((c) => c.clientId === b.client_id);
    const deny = (status: number, error: string, description: string) =>
      res.status(status).json({ error, error_description: description });
    if (!client) return deny(400, 'invalid_client_id', 'client identifier invalid');
    if (b.client_secret !== undefined && b.client_secret !== client.clientSecret)
      return deny(400, 'invalid_client', 'invalid client credentials');
    if (b.grant_type === 'refresh_token') {
      if (!b.refresh_token || !org.validRefresh(b.refresh_token))
        return deny(400, 'invalid_grant', 'expired access/refresh token');
    } else if (b.grant_type === 'client_credentials') {
      if (b.client_secret !== client.clientSecret)
        return deny(400, 'invalid_client', 'invalid client credentials');
    } else {
      return deny(400, 'unsupported_grant_type', 'grant type not supported');
    }
    org.tokenRefreshes++;
    const token = org.issueAccessToken();
    res.json({
      access_token: token,
      instance_url: instanceUrl(),
      id: `${instanceUrl()}/id/${org.orgId}/${org.userId}`,
      token_type: 'Bearer',
      issued_at: String(Date.now()),
      scope: 'api refresh_token',
      signature: Buffer.from(token.slice(-16)).toString('base64'),
    });
  });

  app.get('/services/oauth2/userinfo', (req, res) => {
    const token = /^Bearer (.+)$/.exec(req.get('authorization') ?? '')?.[1];
    if (!token || !org.validAccess(token)) {
      res.status(403).type('text/plain').send('Bad_OAuth_Token');
      return;
    }
    res.json({
      sub: `${instanceUrl()}/id/${org.orgId}/${org.userId}`,
      user_id: org.userId,
      organization_id: org.orgId,
      preferred_username: 'integration@leadlens.example',
    });
  });
}
