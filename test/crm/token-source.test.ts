/**
 * The adapter's token seam (src/crm/hubspot/token.ts) through the real SDK against the
 * emulator: a 401 asks the source once for a newer token and repeats the request once; a
 * second 401 stands; a static token is never retried.
 */
import { startHubSpotEmulator, type HubSpotEmulator } from '../../emulator/hubspot';
import { createHubSpotCrm, staticTokenSource, type AccessTokenSource } from '../../src/crm/hubspot';

describe('access token source', () => {
  let emu: HubSpotEmulator;
  beforeAll(async () => {
    emu = await startHubSpotEmulator({
      contacts: 5,
      token: 'good-token',
      expiredTokens: ['expired-1', 'expired-2'],
    });
  });
  afterAll(() => emu.close());

  const source = (current: string, renewed: string | null) => {
    const asked: string[] = [];
    const s: AccessTokenSource = {
      current: async () => current,
      renew: async (rejected) => {
        asked.push(rejected);
        if (renewed) current = renewed;
        return renewed;
      },
    };
    return { s, asked };
  };
  const crm = (accessToken: string | AccessTokenSource) =>
    createHubSpotCrm({ accessToken, basePath: emu.url, retry: { maxAttempts: 1 } });

  it('a 401 renews the token once and repeats the request with the new one', async () => {
    const { s, asked } = source('expired-1', 'good-token');
    await expect(crm(s).getRecord('contact', '100001', ['email'])).resolves.not.toBeNull();
    expect(asked).toEqual(['expired-1']);
    // The next call uses the renewed token straight away.
    await expect(crm(s).getRecord('contact', '100002', ['email'])).resolves.not.toBeNull();
    expect(asked).toEqual(['expired-1']);
  });

  it('a second 401 stands: one renewal per call, never a loop', async () => {
    const { s, asked } = source('expired-1', 'expired-2');
    await expect(crm(s).getRecord('contact', '100001', ['email'])).rejects.toMatchObject({
      code: 'CRM_AUTH',
    });
    expect(asked).toEqual(['expired-1']);
  });

  it('a source with nothing newer, and a static token, leave the 401 as it is', async () => {
    const { s, asked } = source('expired-1', null);
    await expect(crm(s).getRecord('contact', '100001', ['email'])).rejects.toMatchObject({
      code: 'CRM_AUTH',
    });
    expect(asked).toEqual(['expired-1']);
    await expect(crm('expired-2').getRecord('contact', '100001', ['email'])).rejects.toMatchObject({
      code: 'CRM_AUTH',
    });
    await expect(
      crm(staticTokenSource('good-token')).getRecord('contact', '100001', ['email']),
    ).resolves.not.toBeNull();
  });
});
