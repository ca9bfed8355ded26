export { SlipwayError, isSlipwayError, toSlipwayError } from './slipway-error.js';
export { catalogue, specOf, type ErrorCode } from './catalogue.js';
export type { ErrorSpec } from './spec.js';
export { messages, errorMessage } from './messages.js';
export { toRequestError } from './request-error.js';
