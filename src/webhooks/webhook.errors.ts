import { registerUserErrorCodes } from '../common';

export enum WebhookErrorCode {
  /** Not an https URL, or one carrying credentials or a fragment. */
  INVALID_WEBHOOK_URL = 'INVALID_WEBHOOK_URL',
  /** The URL's host resolves to a loopback, private or otherwise non-public address, or to nothing. */
  WEBHOOK_URL_NOT_ALLOWED = 'WEBHOOK_URL_NOT_ALLOWED',
  /** No events, or more webhooks than an organization may have. */
  WEBHOOK_LIMIT = 'WEBHOOK_LIMIT',
}

registerUserErrorCodes(WebhookErrorCode);
declare module '../common/user-error' {
  interface UserErrorCodes {
    webhooks: WebhookErrorCode;
  }
}
