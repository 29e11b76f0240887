/** The webhooks feature's face: what other folders may use. */
export { WebhookEvent } from './webhook.entity';
export { WebhookService, emitEvent } from './webhook.service';
export { WebhookResolver } from './webhook.resolver';
export { WebhookWorker } from './webhook.worker';
export { verifySignature } from './webhook-target';
