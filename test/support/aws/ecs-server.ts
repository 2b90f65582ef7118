/**
 * A local stand-in for Amazon ECS speaking its JSON protocol (`application/x-amz-json-1.1`,
 * `X-Amz-Target: AmazonEC2ContainerServiceV20141113.<Operation>`), enough for the real SDK client to
 * describe and update one Fargate service. It keeps what ECS keeps for the questions the Spot fallback
 * asks: the service's deployments (newest PRIMARY, older ACTIVE until the rollout completes), each with
 * its capacity provider strategy or launch type, and the tasks running. Like ECS it refuses a capacity
 * provider the cluster does not have. Records each call; can fail the next calls on demand.
 */
import {
  awsJson,
  awsJsonError,
  type LocalHttpServer,
  type LocalResponse,
  readAwsJson,
  startLocalHttpServer,
} from './local-http-server.js';

const TARGET = 'AmazonEC2ContainerServiceV20141113.';
const REGION = 'ap-northeast-1';
const ACCOUNT = '123456789012';

export interface StrategyItem {
  readonly capacityProvider: string;
  readonly weight?: number;
  readonly base?: number;
}

export interface LocalDeployment {
  readonly id: string;
  status: 'PRIMARY' | 'ACTIVE';
  readonly createdAt: number;
  readonly capacityProviderStrategy?: readonly StrategyItem[];
  readonly launchType?: 'FARGATE';
  rolloutState: 'IN_PROGRESS' | 'COMPLETED';
  /** Its tasks running (a completed deployment runs its one task unless told otherwise). */
  running: number;
}

export interface EcsCall {
  readonly operation: string;
  readonly input: Record<string, unknown>;
  readonly signedBy: string | null;
}

export interface LocalEcs extends LocalHttpServer {
  readonly cluster: string;
  readonly service: string;
  readonly calls: readonly EcsCall[];
  readonly deployments: readonly LocalDeployment[];
  /**
   * Replaces the service's deployments with one created at `createdAt` (ms): completed with its task
   * running, or (`running: 0`) still rolling out with no task placed.
   */
  deployedOn(
    placement: Pick<LocalDeployment, 'capacityProviderStrategy' | 'launchType'>,
    createdAt: number,
    options?: { running?: 0 | 1 },
  ): void;
  /** The newest deployment completes with its task running: the older ones are gone. */
  settle(): void;
  /** The next `times` calls fail with this error type (`ServerException` answers 500). */
  failNext(type: 'ServerException' | 'ThrottlingException' | 'AccessDeniedException', times?: number): void;
}

export async function startLocalEcs(options: { now: () => number }): Promise<LocalEcs> {
  const cluster = 'gridbot-cluster';
  const service = 'gridbot-worker';
  const clusterProviders = new Set(['FARGATE', 'FARGATE_SPOT']);
  const calls: EcsCall[] = [];
  const faults: string[] = [];
  let deployments: LocalDeployment[] = [];
  let nextId = 1;

  const server = await startLocalHttpServer((req): LocalResponse => {
    const { request, refusal } = readAwsJson(req, 'MissingAuthenticationTokenException');
    const { target, input } = request;
    const operation = target.startsWith(TARGET) ? target.slice(TARGET.length) : target;
    calls.push({ operation, input, signedBy: request.signedBy });
    if (refusal) return refusal;
    const fault = faults.shift();
    if (fault === 'ServerException') return error(500, fault, 'injected failure');
    if (fault) return error(400, fault, `injected ${fault}`);
    if (!matches(input.cluster, cluster)) return error(400, 'ClusterNotFoundException', 'Cluster not found.');

    if (operation === 'DescribeServices') {
      const asked = (input.services as unknown[] | undefined) ?? [];
      if (asked.length !== 1 || !matches(asked[0], service))
        return json({ services: [], failures: asked.map((a) => ({ arn: String(a), reason: 'MISSING' })) });
      const primary = deployments.find((d) => d.status === 'PRIMARY');
      return json({
        services: [
          {
            serviceArn: serviceArn(),
            serviceName: service,
            clusterArn: clusterArn(),
            status: 'ACTIVE',
            desiredCount: 1,
            runningCount: deployments.reduce((n, d) => n + d.running, 0),
            pendingCount: 0,
            ...(primary?.capacityProviderStrategy
              ? { capacityProviderStrategy: primary.capacityProviderStrategy }
              : { launchType: primary?.launchType ?? 'FARGATE' }),
            deployments: deployments.map((d) => ({
              id: d.id,
              status: d.status,
              taskDefinition: `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/gridbot-worker:1`,
              desiredCount: d.status === 'PRIMARY' ? 1 : 0,
              runningCount: d.running,
              createdAt: d.createdAt / 1000,
              updatedAt: d.createdAt / 1000,
              rolloutState: d.rolloutState,
              ...(d.capacityProviderStrategy
                ? { capacityProviderStrategy: d.capacityProviderStrategy }
                : { launchType: d.launchType }),
            })),
          },
        ],
        failures: [],
      });
    }
    if (operation === 'UpdateService') {
      if (!matches(input.service, service))
        return error(400, 'ServiceNotFoundException', 'Service not found.');
      const strategy = input.capacityProviderStrategy as StrategyItem[] | undefined;
      const primary = deployments.find((d) => d.status === 'PRIMARY');
      if (strategy !== undefined) {
        const unknown = strategy.find((s) => !clusterProviders.has(s.capacityProvider));
        if (unknown)
          return error(
            400,
            'InvalidParameterException',
            `capacity provider ${unknown.capacityProvider} is not associated`,
          );
      }
      if (input.forceNewDeployment !== true && strategy === undefined) return json({ service: {} });
      // Minimum healthy 0 %: the old deployment's task stops before the new one starts.
      for (const d of deployments) {
        d.status = 'ACTIVE';
        d.running = 0;
      }
      deployments = [
        {
          id: `ecs-svc/${nextId++}`,
          status: 'PRIMARY',
          createdAt: options.now(),
          rolloutState: 'IN_PROGRESS',
          running: 0,
          ...(strategy
            ? { capacityProviderStrategy: strategy }
            : primary?.capacityProviderStrategy
              ? { capacityProviderStrategy: primary.capacityProviderStrategy }
              : { launchType: 'FARGATE' as const }),
        },
        ...deployments,
      ];
      return json({ service: { serviceArn: serviceArn(), serviceName: service } });
    }
    return error(400, 'UnknownOperationException', operation);
  });

  function serviceArn(): string {
    return `arn:aws:ecs:${REGION}:${ACCOUNT}:service/${cluster}/${service}`;
  }
  function clusterArn(): string {
    return `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/${cluster}`;
  }
  /** ECS takes a name or an ARN. */
  function matches(given: unknown, name: string): boolean {
    return given === name || (typeof given === 'string' && given.endsWith(`/${name}`));
  }

  return {
    ...server,
    cluster,
    service,
    calls,
    get deployments() {
      return deployments;
    },
    deployedOn(placement, createdAt, { running = 1 } = {}) {
      deployments = [
        {
          id: `ecs-svc/${nextId++}`,
          status: 'PRIMARY',
          createdAt,
          rolloutState: running === 1 ? 'COMPLETED' : 'IN_PROGRESS',
          running,
          ...placement,
        },
      ];
    },
    settle() {
      deployments = deployments.filter((d) => d.status === 'PRIMARY');
      for (const d of deployments) {
        d.rolloutState = 'COMPLETED';
        d.running = 1;
      }
    },
    failNext(type, times = 1) {
      for (let i = 0; i < times; i++) faults.push(type);
    },
  };
}

const json = awsJson;
const error = awsJsonError;
