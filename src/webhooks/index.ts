/** The webhooks feature's face: what other folders may use. */
export { WebhookEvent } from './webhook.entity';
export { WebhookService, emitEvent } from './webhook.service';
export { WebhookWorker } from './webhook.worker';
export { verifySignature } from './webhook-target';
export { DeliveryStatus, Webhook, WebhookDelivery } from './webhook.entity';
export { webhookMutations } from './webhook.service';
export type { WebhookOutcome } from './webhook.service';
