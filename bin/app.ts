/**
 * The CDK app (`cdk.json` runs it through tsx). Reads the deployment config named by the `config` context
 * value (`npx cdk deploy --all -c config=deploy.yaml`; there is no default, so a bare `cdk deploy` never
 * deploys the example), validates it and composes the stacks. Synthesis needs no AWS credentials and no Docker: Lambdas are bundled by the local
 * esbuild and the stream worker's image is only hashed until `cdk deploy` builds it.
 */
import { App } from 'aws-cdk-lib';
import { loadDeploymentInput } from '../lib/config/deployment-input.js';
import { infraOptionsFrom } from '../lib/config/infra-options.js';
import { buildGridbot } from '../lib/gridbot-app.js';

const app = new App();
const context = (key: string): unknown => app.node.tryGetContext(key);
const given = context('config');
if (given === undefined || given === '') {
  console.error(
    'gridbot: name your deployment config: npx cdk deploy --all -c config=<your deploy.yaml> (examples/deploy.yaml is an example to copy, never deployed by default)',
  );
  process.exit(1);
}
const configPath = String(given);
const exchangeInfo = context('exchangeInfo');
buildGridbot(
  app,
  loadDeploymentInput(configPath, exchangeInfo ? { exchangeInfo: String(exchangeInfo) } : {}),
  infraOptionsFrom(context),
);
app.synth();
