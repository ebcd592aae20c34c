// The ledger checks the dashboard runs in the browser: the funder kit's own functions
// (src/ledger/verify.ts), bundled with node:crypto aliased to @noble (ADR 0099). install.ts comes
// first: the ledger modules need a global Buffer as they load.
import './shims/install.ts';

export { verifyConsistencyKit, verifyInclusionKit } from '../../src/ledger/verify.ts';
