/**
 * The VPC the stream worker runs in. Nothing here accepts inbound traffic: the only security group has no
 * ingress rule, and the worker talks outward (exchange WebSockets and REST, AWS APIs) over TLS.
 *
 *  - `public` egress (default): public subnets only, no NAT gateway; the task gets a public IP. Cheapest.
 *  - `nat` egress: private subnets behind one NAT gateway using the Elastic IP of the stateful stack, so the
 *    address exists before anything trades, survives redeploys and can go on the exchange's API-key IP
 *    allowlist. The Lambdas join these subnets too, so every exchange call leaves from that one address.
 *
 * Rejected flows are logged (cheap, and shows anything probing the public IP).
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import {
  FlowLogDestination,
  FlowLogTrafficType,
  NatProvider,
  SecurityGroup,
  type SubnetSelection,
  SubnetType,
  Vpc,
} from 'aws-cdk-lib/aws-ec2';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { Egress } from '../config/infra-options.js';

export interface NetworkProps {
  readonly egress: Egress;
  readonly logRetention: RetentionDays;
  /** Allocation id of the fixed egress address (required with `nat` egress). */
  readonly egressIpAllocationId?: string | undefined;
}

export class Network extends Construct {
  readonly vpc: Vpc;
  readonly securityGroup: SecurityGroup;
  readonly workloadSubnets: SubnetSelection;
  /** True when tasks need a public IP to reach the internet. */
  readonly assignPublicIp: boolean;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const nat = props.egress === 'nat';
    if (nat && !props.egressIpAllocationId) throw new Error('nat egress needs the egress IP allocation id');
    this.vpc = new Vpc(this, 'Vpc', {
      maxAzs: 2,
      restrictDefaultSecurityGroup: false,
      subnetConfiguration: nat
        ? [
            { name: 'public', subnetType: SubnetType.PUBLIC, cidrMask: 24 },
            { name: 'private', subnetType: SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 24 },
          ]
        : [{ name: 'public', subnetType: SubnetType.PUBLIC, cidrMask: 24 }],
      natGateways: nat ? 1 : 0,
      ...(nat && props.egressIpAllocationId
        ? { natGatewayProvider: NatProvider.gateway({ eipAllocationIds: [props.egressIpAllocationId] }) }
        : {}),
    });
    this.vpc.addFlowLog('RejectedFlows', {
      trafficType: FlowLogTrafficType.REJECT,
      destination: FlowLogDestination.toCloudWatchLogs(
        new LogGroup(this, 'FlowLogs', {
          retention: props.logRetention,
          removalPolicy: RemovalPolicy.DESTROY,
        }),
      ),
    });
    this.securityGroup = new SecurityGroup(this, 'Workload', {
      vpc: this.vpc,
      description: 'gridbot workloads: outbound only, no inbound rule',
      allowAllOutbound: true,
    });
    this.workloadSubnets = { subnetType: nat ? SubnetType.PRIVATE_WITH_EGRESS : SubnetType.PUBLIC };
    this.assignPublicIp = !nat;
  }
}
