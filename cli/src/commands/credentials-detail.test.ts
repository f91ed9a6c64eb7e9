import type { RunnerConfig } from '@taskfleet/config';

import { credentialsDetail } from './credentials-detail';

const runnerWith = (profile: string | null, credentialsFile: string | null): RunnerConfig =>
  ({ autoscaler: { pluginConfig: { profile, credentialsFile } } }) as unknown as RunnerConfig;

const sdkError = (): Error => {
  const error = new Error('Could not load credentials from any providers');
  error.name = 'CredentialsProviderError';
  return error;
};

describe('credentialsDetail', () => {
  it('names the SDK message, the profile and the file of the config', () => {
    const wrapped = new Error('could not describe auto scaling group', { cause: sdkError() });
    expect(credentialsDetail(wrapped, runnerWith('ci', '/etc/aws/credentials'), {})).toBe(
      'Could not load credentials from any providers (profile "ci", credentials file "/etc/aws/credentials")',
    );
  });

  it("falls back to the environment, then the SDK's defaults", () => {
    expect(credentialsDetail(sdkError(), runnerWith(null, null), { AWS_PROFILE: 'env' })).toBe(
      'Could not load credentials from any providers (profile "env", credentials file "~/.aws/credentials")',
    );
  });

  it('says nothing for other errors, whose messages may quote a response', () => {
    expect(credentialsDetail(new Error('AccessDenied: ...'), runnerWith(null, null), {})).toBe(
      undefined,
    );
  });
});
