// The simulation module's error codes (HTTP edge: src/http/errors.ts).
import { type CommonErrorCode, type ErrorSpecs, typedErrors } from '../kernel/index.ts';

export const simulationErrors = {
  scenario_invalid: {
    status: 400,
    meaning:
      'The scenario breaks docs/scenario.schema.json or a rule it cannot express; `details.problems` lists every problem by JSON path.',
  },
  scenario_too_large: {
    status: 422,
    meaning: 'customers × days (× 2 with the baseline) exceeds what one simulation run may take.',
  },
  simulation_not_found: { status: 404, meaning: 'No simulation run with this id.' },
  simulation_not_finished: { status: 409, meaning: 'The run has not finished, so it has no report yet.' },
} as const satisfies ErrorSpecs;

export type SimulationErrorCode = keyof typeof simulationErrors;

/** What simulation may throw: its own codes and the shared ones. */
export type SimulationThrownCode = SimulationErrorCode | CommonErrorCode;

export const { DomainError, unwrap } = typedErrors<SimulationThrownCode>();
