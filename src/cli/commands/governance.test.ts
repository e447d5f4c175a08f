import { card } from '../../../test/support/model-card';
import { cardText } from './governance';

describe('leadlens models card (text)', () => {
  it('says how the metrics were measured: out of fold for backtested versions', () => {
    const text = cardText(card, 'out_of_fold');
    expect(text).toMatch(
      /^Metrics \(out of fold: each backtest block scored by its fold’s model\): AUC 0\.851,/m,
    );
    expect(text).not.toMatch(/newest slice/);
  });

  it('and the newest slice held out for versions trained before the backtests', () => {
    expect(cardText(card, 'held_out')).toMatch(/^Metrics \(held-out, newest slice\): AUC 0\.851,/m);
  });
});
