/**
 * "Refresh score" on every card: `score-record` with the record's type and id re-scores it now
 * with the published model of its kind and answers the card. The states: the new score shown
 * (saved, unchanged, or not saved with the CRM's reason), an error with its hint, "no model yet"
 * decided by the error's code — plus, for a deal, "closed since the page loaded" (LeadLens
 * scores open deals only; the other kinds never answer `closed`).
 */
import { Alert, Button } from '@hubspot/ui-extensions';
import { useState, type ReactElement } from 'react';
import type { CardData, ScoreRecordResult } from '../src/contracts/functions';
import { describeError, errorFromBody, isLeadLensError, unwrapResult } from '../src/errors';
import type { Serverless } from './FeedbackForm';

export type Notice = { variant: 'success' | 'danger' | 'warning'; title: string; text: string };

export interface ObjectRefresh {
  /** The card the last refresh answered (null before one, or when it scored nothing). */
  refreshed: CardData | null;
  /** The last refresh said there is no published model. */
  noModel: boolean;
  /** The last refresh found the deal closed. */
  closed: boolean;
  button: ReactElement;
  notice: ReactElement | null;
}

export interface ScoreRefresh extends ObjectRefresh {
  /** For the card's other notices (the contact card's feedback), shown in the same place. */
  setNotice: (notice: Notice | null) => void;
}

/** The deal and company cards' refresh. */
export function useObjectRefresh(
  record: { objectType: 'deal' | 'company'; objectId: string },
  serverless: Serverless,
): ObjectRefresh {
  // Only "no published model": a record LeadLens cannot score (a company without contacts) is
  // an error with its hint, not the portal-wide empty state.
  return useScoreRefresh(record, serverless, (e) => isLeadLensError(e, 'NO_MODEL'));
}

/**
 * The refresh of any card. `noModelAfter` decides, from a failed refresh's error and the state
 * before it, whether the card shows its "no model yet" state.
 */
export function useScoreRefresh(
  record: { objectType: string; objectId: string },
  serverless: Serverless,
  noModelAfter: (e: unknown, before: boolean) => boolean,
): ScoreRefresh {
  const [refreshed, setRefreshed] = useState<CardData | null>(null);
  const [refreshing, setRefreshing] = useState(false);
  const [notice, setNotice] = useState<Notice | null>(null);
  const [noModel, setNoModel] = useState(false);
  const [closed, setClosed] = useState(false);

  const refresh = async () => {
    setRefreshing(true);
    setNotice(null);
    try {
      const result = unwrapResult<ScoreRecordResult>(
        await serverless('score-record', {
          parameters: { objectType: record.objectType, objectId: record.objectId },
        }),
      );
      setNoModel(false);
      if (result.closed) {
        setClosed(true);
        setNotice({
          variant: 'warning',
          title: 'This deal is closed',
          text: 'LeadLens scores open deals only, so it was not scored again.',
        });
        return;
      }
      setRefreshed(result.card);
      setNotice(
        result.notWritten
          ? {
              variant: 'warning',
              title: 'Score refreshed, not saved to the record',
              text: describeError(errorFromBody(result.notWritten)),
            }
          : {
              variant: 'success',
              title: 'Score refreshed',
              text: result.written
                ? 'The new score was saved to the record.'
                : 'The score is unchanged.',
            },
      );
    } catch (e) {
      setNoModel((before) => noModelAfter(e, before));
      setNotice({
        variant: 'danger',
        title: 'Could not refresh the score',
        text: describeError(e),
      });
    } finally {
      setRefreshing(false);
    }
  };

  return {
    refreshed,
    noModel,
    closed,
    setNotice,
    button: (
      <Button variant="primary" disabled={refreshing} onClick={() => void refresh()}>
        {refreshing ? 'Refreshing…' : 'Refresh score'}
      </Button>
    ),
    notice: notice ? (
      <Alert title={notice.title} variant={notice.variant}>
        {notice.text}
      </Alert>
    ) : null,
  };
}
