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
