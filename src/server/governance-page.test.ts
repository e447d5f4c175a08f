import { card } from '../../test/support/model-card';
import { renderModelCardPage } from './governance-page';

describe('the model card page', () => {
  it('says the metrics are out of fold for backtested versions (as `models card` does)', () => {
    const html = renderModelCardPage(card, null, 'out_of_fold');
    expect(html).toContain(
      '<h2>Metrics (out of fold: each backtest block scored by its fold’s model)</h2>',
    );
    expect(html).not.toMatch(/newest slice/);
  });

  it('and the newest slice held out for versions trained before the backtests', () => {
    const html = renderModelCardPage(card, null, 'held_out');
    expect(html).toContain('<h2>Metrics (held-out, newest slice)</h2>');
    expect(html).not.toMatch(/out of fold/);
  });
});
