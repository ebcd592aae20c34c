// Access's own error codes: none so far. A missing or unknown key, a role that may not call a route
// and an unknown key id are the kernel's common codes (unauthenticated, forbidden, not_found).
import { defineErrors } from '../kernel/index.ts';

export const accessErrors = defineErrors('access', {});
