/**
 * What an operator can do about a record the CRM refused to write, by the CRM's category: the
 * hint shown beside each write failure (the report page). Categories are HubSpot's 207/400
 * ones (docs/hubspot-fidelity.md rows 7, 8, 58); anything else gets the generic reading.
 */
import { RETRY_CAP } from './writeback';

const HINTS: Record<string, string> = {
  OBJECT_NOT_FOUND:
    'The record was deleted or merged in the CRM. Nothing to do: LeadLens stops writing it, and writes it again if it comes back.',
  READ_ONLY_VALUE:
    'A LeadLens property is read-only for this record in the CRM. Check the property (Settings → Properties, group LeadLens): it must not be read-only or calculated. LeadLens sends the record again once the record or its score changes.',
  INVALID_OPTION:
    'A value is not one of the property’s options (a tier label missing from leadlens_tier, for example). Run `leadlens provision` to bring the options in line with the tiers; the next run writes the record.',
};

export function writeFailureHint(code: string, retryable: boolean): string {
  if (retryable)
    return `Temporary: LeadLens sends it again on the next runs, up to ${RETRY_CAP} tries of the same values.`;
  return (
    HINTS[code] ??
    'The CRM refused the values for good; LeadLens does not send them again until the record or its score changes. The reason above is the CRM’s own.'
  );
}
