/**
 * "Refresh score" on the deal and company cards: `score-record` with the record's type and id
 * re-scores it now with the published deal or account model and answers the card. The states
 * are the contact card's: the new score shown (saved, unchanged, or not saved with the CRM's
 * reason), an error with its hint, "no model yet" decided by the error's code — plus, for a
 * deal, "closed since the page loaded" (LeadLens scores open deals only).
 */
import { Alert, Button } from '@hubspot/ui-extensions';
import { useState, type ReactElement } from 'react';
import type { CardData, ScoreRecordResult } from '../src/contracts/functions';
import { describeError, errorFromBody, isLeadLensError, unwrapResult } from '../src/errors';
import type { Serverless } from './FeedbackForm';

type Notice = { variant: 'success' | 'danger' | 'warning'; title: string; text: string };

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

export function useObjectRefresh(
  record: { objectType: 'deal' | 'company'; objectId: string },
  serverless: Serverless,
): ObjectRefresh {
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
      // Only "no published model": a record LeadLens cannot score (a company without
      // contacts) is an error with its hint, not the portal-wide empty state.
      setNoModel(isLeadLensError(e, 'NO_MODEL'));
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
