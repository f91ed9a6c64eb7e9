import { isAwsPluginReference, unsupportedPluginMessage } from './plugin-aws';

describe('plugin references for the AWS plugin', () => {
  it.each([
    'aws',
    'aws:latest',
    'aws:1',
    'aws:1.2',
    'aws:1.2.3',
    'gitlab-org/fleeting/plugins/aws',
    'gitlab-org/fleeting/plugins/aws:1.1.0',
    'registry.gitlab.com/gitlab-org/fleeting/plugins/aws',
    'registry.gitlab.com/gitlab-org/fleeting/plugins/aws:latest',
    'registry.gitlab.com/gitlab-org/fleeting/plugins/aws:v1.0.1-rc1',
    `registry.gitlab.com/gitlab-org/fleeting/plugins/aws@sha256:${'a'.repeat(64)}`,
    `registry.gitlab.com/gitlab-org/fleeting/plugins/aws:1.1@sha256:${'0'.repeat(64)}`,
    'fleeting-plugin-aws',
    '/usr/local/bin/fleeting-plugin-aws',
    './bin/fleeting-plugin-aws',
    'C:\\fleeting\\fleeting-plugin-aws.exe',
  ])('accepts %s', reference => {
    expect(isAwsPluginReference(reference)).toBe(true);
  });

  it.each([
    '',
    'googlecloud',
    'hetzner',
    'fleeting-plugin-googlecloud',
    'registry.gitlab.com/gitlab-org/fleeting/plugins/googlecloud:latest',
    'example.com/someone/aws:latest',
    'aws:',
    'aws@sha256:short',
    'aws latest',
    '/usr/local/bin/fleeting-plugin-aws-old',
    'AWS',
  ])('refuses %j', reference => {
    expect(isAwsPluginReference(reference)).toBe(false);
  });

  it('explains the accepted forms', () => {
    expect(unsupportedPluginMessage('hetzner')).toBe(
      'unsupported plugin "hetzner": taskfleet drives AWS Auto Scaling groups only; use "aws", "fleeting-plugin-aws" or "registry.gitlab.com/gitlab-org/fleeting/plugins/aws:<version>"',
    );
  });
});
