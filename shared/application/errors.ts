/** Failures of the application layer, tagged so handlers can map them to exit codes and metrics. */
export class InstanceNotFoundError extends Error {
  override readonly name = 'InstanceNotFoundError';
  constructor(readonly instanceId: string) {
    super(`no instance "${instanceId}" in the store; deploy or register its config first`);
  }
}

/** The instance is deployed but has no grid state yet: its first recon pass has not run. */
export class NoGridStateError extends Error {
  override readonly name = 'NoGridStateError';
  constructor(readonly instanceId: string) {
    super(`instance ${instanceId} has no grid yet: its first recon pass has not run; try again in a minute`);
  }
}

export class GridConflictError extends Error {
  override readonly name = 'GridConflictError';
  constructor(
    readonly instanceId: string,
    readonly attempts: number,
  ) {
    super(`instance ${instanceId}: gave up after ${attempts} conflicting writes`);
  }
}

export class ParamsMissingError extends Error {
  override readonly name = 'ParamsMissingError';
  constructor(readonly instanceId: string) {
    super(`instance ${instanceId} has no grid parameters yet: run recompute first`);
  }
}
