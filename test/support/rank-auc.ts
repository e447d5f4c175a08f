/**
 * The AUC of `scores` against `labels` by the rank sum (Mann–Whitney), ties in input order: what
 * the demo generator's tests use to check a planted signal is there (or is not), independent of
 * the model code they would otherwise be testing with.
 */
export function rankAuc(scores: number[], labels: boolean[]): number {
  const idx = scores.map((s, i) => [s, labels[i]] as const).sort((a, b) => a[0] - b[0]);
  let rankSum = 0;
  let pos = 0;
  idx.forEach(([, y], i) => {
    if (y) {
      rankSum += i + 1;
      pos++;
    }
  });
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * (idx.length - pos));
}

/**
 * Closed deals' truths from the demo generator: both outcomes common (15–60 % won) and the hidden
 * propensity separating them (AUC above 0.7), the planted signal a model can learn.
 */
export function expectSeparatedOutcomes(
  truths: Array<{ propensity: number; won: boolean | null }>,
) {
  const closed = truths.filter((t) => t.won !== null);
  const rate = closed.filter((t) => t.won).length / closed.length;
  expect(rate).toBeGreaterThan(0.15);
  expect(rate).toBeLessThan(0.6);
  expect(
    rankAuc(
      closed.map((t) => t.propensity),
      closed.map((t) => t.won!),
    ),
  ).toBeGreaterThan(0.7);
}
