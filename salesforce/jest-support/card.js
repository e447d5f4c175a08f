// Scaffolding the LeadLens card tests share: a fixed clock (freshness reads "3 h ago" against
// it), mounting a card as a record page does, and the LDS answers every card handles alike (a
// field the user cannot read). The DOM queries are in ./dom.js.
const { createElement } = require('lwc');
const { getRecord, notifyRecordUpdateAvailable } = require('lightning/uiRecordApi');
const { clearBody, deepAll, flush, q, text } = require('./dom');

const NOW = new Date('2026-03-10T12:00:00.000Z');

/** The LeadLens fields every card asks getRecord for, in the order it asks. */
const LEADLENS_FIELD_NAMES = [
  'LeadLens_Score__c',
  'LeadLens_Tier__c',
  'LeadLens_Factors__c',
  'LeadLens_Reasons__c',
  'LeadLens_Model_Version__c',
  'LeadLens_Scored_At__c',
  'LeadLens_Score_Change__c',
];

/** What a card says when LDS names a field the user cannot read. */
const READ_PERMISSION_HINT =
  'Ask your Salesforce admin to assign you the LeadLens Read permission set.';

/** Registers the hooks of a card test: the fixed clock, and a clean page and mocks after each. */
function useCardTestHooks() {
  beforeEach(() => {
    // Microtasks stay real so the engine re-renders.
    jest.useFakeTimers({ now: NOW, doNotFake: ['queueMicrotask', 'nextTick', 'setImmediate'] });
  });
  afterEach(() => {
    clearBody();
    jest.useRealTimers();
    jest.clearAllMocks();
  });
}

/** Puts the card `is` on a page for `record`, with the ids the record page sets. */
function mountCard(tag, is, record, objectApiName = record.apiName) {
  const element = createElement(tag, { is });
  element.recordId = record.id;
  element.objectApiName = objectApiName;
  document.body.appendChild(element);
  return element;
}

/** The spinner a card shows while it waits, wherever in its children it is. */
const spinner = (el) => deepAll(el, 'lightning-spinner')[0] || null;

/** Fails a wire as LDS does when the user has no access to `field` of `objectApiName`. */
function failNoFieldAccess(adapter, field, objectApiName) {
  adapter.error(
    [
      {
        errorCode: 'INVALID_FIELD',
        message: `No such column '${field}' on entity '${objectApiName}'.`,
      },
    ],
    400,
  );
}

/**
 * Fails the card's getRecord wire for `field` of `record`'s object and checks what the card
 * says: `title`, LDS's message, the permission-set hint, and no score.
 */
async function expectFieldAccessError(el, record, field, title) {
  failNoFieldAccess(getRecord, field, record.apiName);
  await flush();
  expect(text(q(el, 'error-title'))).toBe(title);
  expect(text(q(el, 'error-message'))).toBe(
    `No such column '${field}' on entity '${record.apiName}'.`,
  );
  expect(text(q(el, 'error-hint'))).toBe(READ_PERMISSION_HINT);
  expect(q(el, 'score')).toBeNull();
}

/**
 * Fails the card's getRecord wire with `wireError` (the LDS test adapter's `error` arguments:
 * body, status, status text) and checks that the card shows `message` and no permission hint.
 */
async function expectErrorWithoutHint(el, message, ...wireError) {
  getRecord.error(...wireError);
  await flush();
  expect(text(q(el, 'error-message'))).toBe(message);
  expect(q(el, 'error-hint')).toBeNull();
}

/**
 * Clicks "Try again" on a failed card and checks that it asks LDS for `record` again, waits with
 * a spinner, and shows the record (no error) when LDS answers.
 */
async function expectRetryThroughLds(el, record) {
  q(el, 'retry').click();
  await flush();
  expect(notifyRecordUpdateAvailable).toHaveBeenCalledWith([{ recordId: record.id }]);
  expect(spinner(el)).not.toBeNull();
  getRecord.emit(record);
  await flush();
  expect(q(el, 'error')).toBeNull();
}

module.exports = {
  NOW,
  LEADLENS_FIELD_NAMES,
  READ_PERMISSION_HINT,
  useCardTestHooks,
  mountCard,
  spinner,
  expectFieldAccessError,
  expectErrorWithoutHint,
  expectRetryThroughLds,
};
