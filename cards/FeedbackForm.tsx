/** "This score looks wrong": the rep's feedback, stored by the `feedback` function. */
import { Button, Flex, Select, TextArea } from '@hubspot/ui-extensions';
import { useState } from 'react';
import type { FeedbackRequest, FeedbackResult } from '../src/contracts/functions';
import { describeError, unwrapResult } from '../src/errors';

/** hubspot.serverless, injectable so tests can stand in for HubSpot's function runtime. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type Serverless = (
  name: string,
  options?: { parameters?: { [key: string]: Json }; propertiesToSend?: string[] },
) => Promise<unknown>;

const KINDS: { value: FeedbackRequest['kind']; label: string }[] = [
  { value: 'too_high', label: 'The score is too high' },
  { value: 'too_low', label: 'The score is too low' },
  { value: 'wrong_factors', label: 'The reasons are wrong' },
  { value: 'wrong_outcome', label: 'The outcome is wrong' },
  { value: 'other', label: 'Something else' },
];

/** A stated outcome corrects this record's label at the next training; none = a review item. */
const OUTCOMES: { value: '' | NonNullable<FeedbackRequest['outcome']>; label: string }[] = [
  { value: '', label: 'Not sure' },
  { value: 'converted', label: 'It actually converted' },
  { value: 'not_converting', label: 'It will never convert' },
];

const COMMENT_MAX = 2000;

interface Props {
  record: { objectType: 'contact' | 'lead'; objectId: string };
  serverless: Serverless;
  onDone(ok: boolean, message: string): void;
}

export function FeedbackForm({ record, serverless, onDone }: Props) {
  const [kind, setKind] = useState<FeedbackRequest['kind']>('too_high');
  const [outcome, setOutcome] = useState<(typeof OUTCOMES)[number]['value']>('');
  const [comment, setComment] = useState('');
  const [sending, setSending] = useState(false);
  const tooLong = comment.length > COMMENT_MAX;
  const needsOutcome = kind === 'wrong_outcome' && outcome === '';

  const send = async () => {
    setSending(true);
    try {
      const result = unwrapResult<FeedbackResult>(
        await serverless('feedback', {
          parameters: {
            ...record,
            kind,
            ...(outcome ? { outcome } : {}),
            comment: comment.trim(),
          },
        }),
      );
      onDone(true, result.message || 'Thanks, your feedback was recorded.');
    } catch (e) {
      onDone(false, describeError(e));
    } finally {
      setSending(false);
    }
  };

  return (
    <Flex direction="column" gap="xs">
      <Select
        label="What looks wrong?"
        name="feedback-kind"
        value={kind}
        options={KINDS}
        onChange={(v) => setKind(v as FeedbackRequest['kind'])}
      />
      <Select
        label="Do you know how it ended?"
        name="feedback-outcome"
        value={outcome}
        options={OUTCOMES}
        onChange={(v) => setOutcome(v as (typeof OUTCOMES)[number]['value'])}
        error={needsOutcome}
        validationMessage={needsOutcome ? 'Say which outcome is right.' : undefined}
      />
      <TextArea
        label="Comment (optional)"
        name="feedback-comment"
        value={comment}
        onInput={(v) => setComment(v)}
        error={tooLong}
        validationMessage={tooLong ? `Keep it under ${COMMENT_MAX} characters.` : undefined}
      />
      <Button
        variant="primary"
        disabled={sending || tooLong || needsOutcome}
        onClick={() => void send()}
      >
        {sending ? 'Sending…' : 'Send feedback'}
      </Button>
    </Flex>
  );
}
