/**
 * The error family lives in `src/errors` (dependency-free, so `model` and the cards may import
 * it too); contracts re-exports it because the error body is part of every function's wire
 * contract: a failed call answers `{ error: ErrorBody }`.
 */
export {
  isLeadLensError,
  LeadLensError,
  type ErrorBody,
  type ErrorCode,
  type ErrorOptions,
  type ErrorResult,
} from '../errors';
