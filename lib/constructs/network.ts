/**
 * The VPC the stream worker runs in. Nothing here accepts inbound traffic: the only security group has no
 * ingress rule, and the worker talks outward (exchange WebSockets and REST, AWS APIs) over TLS.
 *
 *  - `public` egress (default): public subnets only, no NAT gateway; the task gets a public IP. Cheapest.
 *  - `nat` egress: private subnets behind one NAT gateway whose Elastic IP is created (and retained) here, so
 *    the address stays the same across redeploys and can go on the exchange's API-key IP allowlist. The
 *    Lambdas join these subnets too, so every exchange call leaves from that one address.
 *
 * Rejected flows are logged (cheap, and shows anything probing the public IP).
 */
import { CfnOutput, RemovalPolicy } from 'aws-cdk-lib';
import {
  CfnEIP,
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
}

export class Network extends Construct {
  readonly vpc: Vpc;
  readonly securityGroup: SecurityGroup;
  readonly workloadSubnets: SubnetSelection;
  /** True when tasks need a public IP to reach the internet. */
  readonly assignPublicIp: boolean;
  readonly egressIp?: CfnEIP;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const nat = props.egress === 'nat';
    if (nat) {
      this.egressIp = new CfnEIP(this, 'EgressIp', { domain: 'vpc' });
      this.egressIp.applyRemovalPolicy(RemovalPolicy.RETAIN);
      new CfnOutput(this, 'EgressIpAddress', {
        value: this.egressIp.attrPublicIp,
        description: 'Fixed egress IP: add it to the exchange API key IP allowlist',
      });
    }
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
      ...(this.egressIp
        ? { natGatewayProvider: NatProvider.gateway({ eipAllocationIds: [this.egressIp.attrAllocationId] }) }
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
