/**
 * Reasons for the cdk-nag AwsSolutions findings gridbot acknowledges, one per kind, so every acknowledgement
 * in lib/ says specifically why the finding does not apply.
 */
export const NAG_REASONS = {
  kmsPublish:
    'Publishing to the alert topic encrypted with its customer-managed key needs kms:GenerateDataKey* (key-specific: the resource is that one key ARN); SNS picks the data-key variant.',
  lambdaEni:
    'A Lambda in a VPC creates and deletes its own network interfaces, whose ids are generated; these EC2 actions accept no narrower resource (same as AWSLambdaVPCAccessExecutionRole).',
  ecrAuthToken:
    'ecr:GetAuthorizationToken has no resource-level permissions; the image pull itself is limited to the worker image repository.',
  workerEnv:
    'The environment holds only non-secret names (table, topic ARN, config path, Powertools settings); exchange keys are read from Secrets Manager at run time, never through the environment.',
  secretRotation:
    'Exchange API keys are issued by the exchange, not generated here; a rotation Lambda cannot create Binance/OKX keys. Operators rotate them on the exchange and put the new pair into this secret.',
  deadLetterQueue:
    'This queue is itself the dead-letter queue of the schedules; it has an alarm and is drained by a human, so it needs no dead-letter queue of its own.',
  containerInsights:
    'Container Insights is opt-in (`-c containerInsights=true`, about $6 a month for one service): the worker-down alarm reads the free AWS/ECS CPUUtilization samples, and the per-account heartbeat alarm catches a worker that runs but does not work.',
  invokeVersions:
    'Scheduler invokes the function by its ARN; grantInvoke also covers its versions and aliases (ARN:*). The role can invoke only the scheduled functions of this deployment.',
  sweepAccessLogs:
    'The sweep bucket holds only scratch copies of public market data, sweep configs (no keys) and simulated figures, each deleted after 14 days; its single writer is the operator running `gridbot sweep --aws` and its only reader the sweep function, so an access log would record nothing worth keeping.',
  sweepObjects:
    'Each sweep stores its objects under its own generated id (inputs/<id>/…, results/<id>/…): the role is limited to the one prefix it needs (read inputs, write results) of the one sweep bucket; the ids cannot be known when the policy is written.',
  sweepStateMachine:
    'What Step Functions needs to run a Distributed Map: start and stop the child executions of this state machine (generated execution names, ARN:*), read items.json and write the map run results under generated names in the sweep bucket, invoke the sweep function by its ARN and its versions, and deliver logs and X-Ray traces (CloudWatch log delivery and X-Ray accept no narrower resource).',
} as const;
