/**
 * The WorkerCapacityPort on Amazon ECS: the stream worker's service, read with DescribeServices and moved
 * with UpdateService (a capacity provider strategy of one Fargate provider and a forced new deployment;
 * the service's 0 % / 100 % deployment bounds stop the old task before the new one starts). Both Fargate
 * providers must be associated with the cluster (the stack does this for a Spot worker).
 */
import {
  type Deployment,
  DescribeServicesCommand,
  ECSClient,
  type ECSClientConfig,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import {
  WORKER_CAPACITIES,
  type WorkerCapacity,
  type WorkerCapacityPort,
  type WorkerPlacement,
} from '../../ports/worker-capacity.js';

export interface EcsWorkerCapacityOptions {
  readonly cluster: string;
  readonly service: string;
  /** e.g. `http://127.0.0.1:4566` for a local server; omit in AWS. */
  readonly endpoint?: string;
  readonly region?: string;
  readonly clientConfig?: ECSClientConfig;
}

export class EcsWorkerCapacity implements WorkerCapacityPort {
  readonly #options: EcsWorkerCapacityOptions;
  readonly #client: ECSClient;

  constructor(options: EcsWorkerCapacityOptions) {
    if (!options.cluster || !options.service)
      throw new Error('EcsWorkerCapacity needs the cluster and the service of the stream worker');
    this.#options = options;
    this.#client = new ECSClient({
      ...options.clientConfig,
      ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
      ...(options.region === undefined ? {} : { region: options.region }),
    });
  }

  async placement(): Promise<WorkerPlacement> {
    const { cluster, service } = this.#options;
    const out = await this.#client.send(new DescribeServicesCommand({ cluster, services: [service] }));
    const found = out.services?.[0];
    if (!found) {
      const why = out.failures?.[0]?.reason ?? 'not returned';
      throw new Error(`ECS service ${service} of cluster ${cluster}: ${why}`);
    }
    const deployments = found.deployments ?? [];
    const primary = deployments.find((d) => d.status === 'PRIMARY') ?? deployments[0];
    return {
      capacity: primary ? capacityOf(primary) : null,
      since: primary?.createdAt?.getTime() ?? 0,
      rolling: deployments.length > 1 || primary?.rolloutState === 'IN_PROGRESS',
      runningCount: found.runningCount ?? 0,
      pendingCount: found.pendingCount ?? 0,
      desiredCount: found.desiredCount ?? 0,
    };
  }

  async moveTo(capacity: WorkerCapacity): Promise<void> {
    const { cluster, service } = this.#options;
    await this.#client.send(
      new UpdateServiceCommand({
        cluster,
        service,
        capacityProviderStrategy: [{ capacityProvider: capacity, weight: 1, base: 0 }],
        forceNewDeployment: true,
      }),
    );
  }

  destroy(): void {
    this.#client.destroy();
  }
}

/** The one Fargate provider a deployment runs on, or null (a launch type, a mix, another provider). */
function capacityOf(deployment: Deployment): WorkerCapacity | null {
  const used = (deployment.capacityProviderStrategy ?? []).filter(
    (s) => (s.weight ?? 0) > 0 || (s.base ?? 0) > 0,
  );
  if (used.length !== 1) return null;
  const name = used[0]?.capacityProvider;
  return WORKER_CAPACITIES.find((c) => c === name) ?? null;
}
