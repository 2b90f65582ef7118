import { describe, expect, it } from 'vitest';
import { synthesize } from './synth.js';

/** Asset hashes change with any source byte; the snapshot is about the infrastructure, so they become `<hash>`. */
function normalised(template: unknown): unknown {
  return JSON.parse(
    JSON.stringify(template)
      .replace(/[0-9a-f]{64}(\.zip)?/g, '<hash>$1')
      .replace(/cdk-hnb659fds-[a-z-]+-\$\{AWS::AccountId\}-\$\{AWS::Region\}/g, '<bootstrap>'),
  );
}

describe('synthesized templates', () => {
  it('match the reviewed snapshot of each stack', () => {
    const s = synthesize();
    expect(normalised(s.stateful.toJSON())).toMatchSnapshot('stateful');
    expect(normalised(s.trading.toJSON())).toMatchSnapshot('trading');
    expect(normalised(s.instances[0]!.toJSON())).toMatchSnapshot('instances-1');
  });
});
