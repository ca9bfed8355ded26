import { badInput, notFound } from '../spec.js';

/** Dataset versions, profiles, loaders. */
export const dataErrors = {
  DATASET_NOT_FOUND: notFound,
  DATASET_VERSION_NOT_FOUND: notFound,
  DATASET_REF_INVALID: badInput,
  DATA_FORMAT_INVALID: badInput,
  DATA_EMPTY: badInput,
  DATA_COLUMN_NOT_FOUND: badInput,
} as const;
