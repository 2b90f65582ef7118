/**
 * A Lambda layer carrying one account's slice of the deployment config at /opt/gridbot/config.json. A file,
 * not an environment variable: Lambda caps all variables of a function at 4 KB, which a dozen instances
 * exceed. Changing the config publishes a new layer version and updates the functions, nothing else.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Architecture, Code, LayerVersion } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { LAMBDA_RUNTIME } from '../bundling/lambda-bundling.js';

export interface ConfigLayerProps {
  readonly accountId: string;
  /** The account's deployment config, as the runtime will parse it. */
  readonly config: Readonly<Record<string, unknown>>;
}

export class ConfigLayer extends Construct {
  readonly layer: LayerVersion;

  constructor(scope: Construct, id: string, props: ConfigLayerProps) {
    super(scope, id);
    // The asset hash covers the directory's contents, so the random staging path does not matter.
    const dir = mkdtempSync(join(tmpdir(), 'gridbot-config-'));
    mkdirSync(join(dir, 'gridbot'));
    writeFileSync(join(dir, 'gridbot', 'config.json'), `${JSON.stringify(props.config, null, 2)}\n`);
    this.layer = new LayerVersion(this, 'Layer', {
      description: `gridbot deployment config for account ${props.accountId}`,
      code: Code.fromAsset(dir),
      compatibleArchitectures: [Architecture.ARM_64],
      compatibleRuntimes: [LAMBDA_RUNTIME],
    });
  }
}
