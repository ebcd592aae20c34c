import { defineErrors } from '../kernel/index.ts';

export const routingErrors = defineErrors('routing', {
  product_not_offered: {
    status: 409,
    meaning: 'The product was not among the offers made for this application.',
  },
  choice_not_allowed: {
    status: 409,
    meaning: 'The application is not waiting for a choice (already sent, decided, or closed).',
  },
  application_not_approved: { status: 409, meaning: 'Only an approved application can be confirmed.' },
  signature_invalid: {
    status: 401,
    meaning: 'The Shoujia-Signature header is missing, malformed or does not match the body.',
  },
  signature_expired: {
    status: 401,
    meaning: 'The signature timestamp is outside the 5-minute replay window.',
  },
  signature_replayed: { status: 409, meaning: 'This exact signed callback was received before.' },
  decision_already_recorded: {
    status: 409,
    meaning: 'A decision for this application and funder is already recorded.',
  },
  routing_config_invalid: {
    status: 400,
    meaning:
      'The routing configuration is inconsistent (bands out of order, a budget for an unknown band, …); `field` names it.',
  },
  routing_not_found: { status: 404, meaning: 'The application has not been routed yet.' },
});
