import { ExplainError } from '../explain/explanation';
import { ModelError } from '../model/errors';
import { TreeModelError } from '../model/trees/tree-errors';
import {
  describeError,
  errorBody,
  exitStatus,
  httpStatus,
  isErrorResult,
  isLeadLensError,
  LeadLensError,
  unwrapResult,
} from './index';

describe('the error family', () => {
  const members = [
    new LeadLensError('NO_MODEL', 'There is no published model yet.', { hint: 'Train first.' }),
    new ModelError('TOO_FEW_POSITIVES', 'Only 3 converted rows.', 'Sync more history.', { n: 3 }),
    new TreeModelError('ENSEMBLE_INVALID', 'Tree 2 has a cycle.', 'Retrain the model.'),
    new ExplainError('NOT_ADDITIVE', 'Not additive.', 'Report it.'),
  ];

  it('every error class is a LeadLensError with a code, a message and a hint', () => {
    for (const e of members) {
      expect(isLeadLensError(e)).toBe(true);
      expect(e).toBeInstanceOf(Error);
      expect(e.hint).toBeTruthy();
      expect(errorBody(e)).toMatchObject({ code: e.code, message: e.message, hint: e.hint });
    }
    expect(members.map((e) => e.name)).toEqual([
      'LeadLensError',
      'ModelError',
      'TreeModelError',
      'ExplainError',
    ]);
  });

  it('keeps the cause and the details', () => {
    const cause = new Error('disk full');
    const e = new LeadLensError('STORE_ERROR', 'Cannot write.', { cause, details: { n: 1 } });
    expect(e.cause).toBe(cause);
    expect(errorBody(e).details).toEqual({ n: 1 });
    expect(errorBody(members[1]).details).toEqual({ n: 3 });
  });

  it('maps codes once: HTTP status and CLI exit status', () => {
    expect(httpStatus('INPUT_INVALID')).toBe(400);
    expect(httpStatus('SIGNATURE_INVALID')).toBe(401);
    expect(httpStatus('NO_MODEL')).toBe(409);
    expect(httpStatus('TOO_FEW_POSITIVES')).toBe(422);
    expect(httpStatus('CRM_UNAVAILABLE')).toBe(503);
    expect(httpStatus('SOMETHING_NEW')).toBe(500);
    expect(exitStatus('NO_MODEL')).toBe(1);
    expect(exitStatus('INTERNAL')).toBe(70);
    expect(exitStatus('NOT_ADDITIVE')).toBe(70);
  });

  it('anything that is not ours becomes INTERNAL', () => {
    expect(errorBody(new TypeError('x is undefined'))).toMatchObject({
      code: 'INTERNAL',
      message: 'x is undefined',
    });
    expect(errorBody('boom').code).toBe('INTERNAL');
  });

  it('an error result comes back as the same error on the caller side', () => {
    const result = { error: errorBody(members[1]) };
    expect(isErrorResult(result)).toBe(true);
    expect(isErrorResult({ card: {} })).toBe(false);
    expect(isErrorResult({ error: 'x' })).toBe(false);
    try {
      unwrapResult(result);
      throw new Error('expected a throw');
    } catch (e) {
      expect(isLeadLensError(e, 'TOO_FEW_POSITIVES')).toBe(true);
      expect(describeError(e)).toBe('Only 3 converted rows. Sync more history.');
    }
    expect(unwrapResult<{ ok: number }>({ ok: 1 })).toEqual({ ok: 1 });
    expect(describeError(new Error('timed out'))).toBe('timed out');
  });
});
