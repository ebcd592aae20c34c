import { defineErrors } from '../kernel/index.ts';

export const intakeErrors = defineErrors('intake', {
  application_not_found: { status: 404, meaning: 'No such application (or not visible to this key).' },
  invalid_transition: { status: 409, meaning: 'The application is not in a state that allows this step.' },
  amount_above_platform_limit: {
    status: 400,
    meaning: 'The requested amount is above the platform’s per-borrower limit.',
  },
});
