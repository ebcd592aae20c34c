// Every module's routes, registered in this order. Add a line when a module gains routes.ts.
import { accessRoutes } from '../access/routes.ts';
import { catalogRoutes } from '../catalog/routes.ts';
import { dashboardRoutes } from '../dashboard/routes.ts';
import { detectionRoutes } from '../detection/routes.ts';
import { canaryRoutes } from '../detection/canary-routes.ts';
import { evidencePackageRoutes } from '../detection/package-routes.ts';
import { engagementRoutes } from '../engagement/routes.ts';
import { identityRoutes } from '../identity/routes.ts';
import { intakeRoutes } from '../intake/routes.ts';
import { pricingRoutes } from '../pricing/routes.ts';
import { ledgerRoutes } from '../ledger/routes.ts';
import { routingRoutes } from '../routing/routes.ts';
import { settlementRoutes } from '../settlement/routes.ts';
import { sharingRoutes } from '../sharing/routes.ts';
import { simulationRoutes } from '../simulation/routes.ts';
import type { App } from './app.ts';

export const MODULE_ROUTES: Array<(app: App) => Promise<void>> = [
  accessRoutes,
  catalogRoutes,
  pricingRoutes,
  identityRoutes,
  intakeRoutes,
  ledgerRoutes,
  sharingRoutes,
  simulationRoutes,
  routingRoutes,
  detectionRoutes,
  canaryRoutes,
  evidencePackageRoutes,
  engagementRoutes,
  settlementRoutes,
  dashboardRoutes,
];
