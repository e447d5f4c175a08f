/**
 * What the settings page's chart panels (ModelCharts, GovernanceCharts) share: loading their
 * data through the `settings` function, the loading / error states with a retry, the "no data"
 * note and the rounding of the values HubSpot's chart components are fed.
 */
import { Button, ErrorState, LoadingSpinner, Text } from '@hubspot/ui-extensions';
import { useEffect, useState } from 'react';
import { describeError } from '../../src/errors';

export type ChartsLoad<C> =
  { state: 'loading' } | { state: 'error'; message: string } | { state: 'ready'; charts: C | null };

export const r3 = (v: number) => Math.round(v * 1000) / 1000;
export const pct = (v: number) => Math.round(v * 1000) / 10;
export const short = (s: string) => (s.length > 30 ? `${s.slice(0, 29)}…` : s);

/** Loads the charts once on mount; `reload` fetches again (another version is the admin's choice). */
export function useChartsLoad<C>(fetchCharts: (version?: number) => Promise<C | null>) {
  const [load, setLoad] = useState<ChartsLoad<C>>({ state: 'loading' });
  const reload = async (version?: number) => {
    setLoad({ state: 'loading' });
    try {
      setLoad({ state: 'ready', charts: await fetchCharts(version) });
    } catch (e) {
      setLoad({ state: 'error', message: describeError(e) });
    }
  };
  useEffect(() => {
    void reload();
  }, []);
  return { load, reload };
}

/** The spinner, or the error with a retry, while the charts are not ready (`what`: "model charts"). */
export function ChartsPending({
  load,
  what,
  onRetry,
}: {
  load: Exclude<ChartsLoad<unknown>, { state: 'ready' }>;
  what: string;
  onRetry: () => void;
}) {
  if (load.state === 'loading') {
    return <LoadingSpinner label={`Loading the ${what}…`} layout="centered" />;
  }
  return (
    <ErrorState title={`Could not load the ${what}.`}>
      <Text>{load.message}</Text>
      <Button onClick={onRetry}>Try again</Button>
    </ErrorState>
  );
}

/** A chart without data says why (`empty[which]`, in the words of the charts' builder). */
export function Empty<K extends string>({
  charts,
  which,
}: {
  charts: { empty: Partial<Record<K, string>> };
  which: K;
}) {
  return <Text variant="microcopy">{`No data: ${charts.empty[which] ?? 'nothing stored.'}`}</Text>;
}
