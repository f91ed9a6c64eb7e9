import { randomBytes } from 'node:crypto';
import { utils } from 'ssh2';

import { AwsCli } from './aws-cli';
import type { AwsCliVersion } from './aws-cli';
import { createAwsSdkClients } from './aws-sdk-clients';
import type { AwsSdkClients } from './aws-sdk-clients';
import { cliExpectations } from './awscli-expectations';
import { runCliScenario } from './cli-scenario';
import type { CliScenarioRecord } from './cli-scenario';

/** A server the CLI runs against, started fresh for one test file. */
export interface ConformanceTarget {
  readonly endpoint: string;
  close(): Promise<void>;
}

// About 32 s of CPU: some 20 s on an idle 2-core machine, but 80-120 s were seen under load 13-18.
const scenarioTimeoutMs = 200_000;

/** Declares one test per action: awscli `version` ran it against the target and its output is right. */
export function describeAwsCliConformance(
  title: string,
  version: AwsCliVersion,
  startTarget: () => Promise<ConformanceTarget>,
): void {
  describe(title, () => {
    let target: ConformanceTarget | undefined;
    let sdk: AwsSdkClients | undefined;
    let cli: AwsCli | undefined;
    let record: CliScenarioRecord | undefined;
    let versionLine = '';

    beforeAll(async () => {
      target = await startTarget();
      sdk = createAwsSdkClients(target.endpoint);
      cli = await AwsCli.create(version, target.endpoint);
      versionLine = await cli.versionLine();
      record = await runCliScenario({
        cli,
        sdk,
        suffix: `${version}-${randomBytes(4).toString('hex')}`,
        sshPublicKey: utils.generateKeyPairSync('rsa', { bits: 2048 }).public,
      });
    }, scenarioTimeoutMs);

    afterAll(async () => {
      sdk?.destroy();
      await cli?.close();
      await target?.close();
    });

    it(`is awscli ${version} (the executable under test really is that major version)`, () => {
      expect(versionLine).toMatch(new RegExp(`^aws-cli/${version.slice(1)}\\.`));
    });

    it('ran the whole sequence', () => {
      expect(record?.abortReason).toBeUndefined();
    });

    it('has a check for every step it ran', () => {
      const checked = new Set(cliExpectations.map(e => e.label));
      expect([...(record?.results.keys() ?? [])].filter(label => !checked.has(label))).toEqual([]);
    });

    it.each(cliExpectations.map(e => [e.label, e] as const))('%s', (label, expectation) => {
      const result = record?.results.get(label);
      if (result === undefined) {
        throw new Error(`step ${label} did not run: ${record?.abortReason ?? 'not reached'}`);
      }
      expectation.check(result, record!);
    });
  });
}
