import { ConfigError, parseConfig } from '../index';
import { configText, testEnv } from '../testing/config-text';
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

describe('plugin_config.interruption_queue_url', () => {
  const parse = (url: string) =>
    parseConfig(configText({ pluginConfig: { interruption_queue_url: JSON.stringify(url) } }), {
      env: testEnv,
      localTimeZone: 'UTC',
    });
  const problems = (...urls: string[]): string[] => {
    const tail = urls
      .slice(1)
      .map(
        (url, i) =>
          `[[runners]]\nurl = "https://gitlab.example.com"\ntoken = "glrt-${i}"\nexecutor = "instance"\n[runners.autoscaler]\nplugin = "aws"\n[runners.autoscaler.plugin_config]\nname = "asg-${i}"\ninterruption_queue_url = ${JSON.stringify(url)}`,
      )
      .join('\n');
    try {
      parseConfig(
        configText({ pluginConfig: { interruption_queue_url: JSON.stringify(urls[0]) }, tail }),
        { env: testEnv, localTimeZone: 'UTC' },
      );
    } catch (error) {
      if (ConfigError.is(error)) {
        return error.problems.map(p => `${p.path}: ${p.message}`);
      }
      throw error;
    }
    return [];
  };

  it('takes an SQS queue URL, on AWS or an emulator', () => {
    const url = 'https://sqs.eu-central-1.amazonaws.com/123456789012/spot-warnings';
    expect(parse(url).config.runners[0]?.autoscaler.pluginConfig.interruptionQueueUrl).toBe(url);
    const local = 'http://127.0.0.1:4566/000000000000/b50_warnings';
    expect(parse(local).config.runners[0]?.autoscaler.pluginConfig.interruptionQueueUrl).toBe(
      local,
    );
  });

  it('names every bad queue URL at once', () => {
    expect(
      problems(
        'spot-warnings',
        'https://sqs.eu-central-1.amazonaws.com/spot-warnings',
        'https://sqs.eu-central-1.amazonaws.com/123456789012/spot.fifo',
      ),
    ).toEqual([
      'runners[0].autoscaler.plugin_config.interruption_queue_url: must be an SQS queue URL such as "https://sqs.eu-central-1.amazonaws.com/123456789012/spot-warnings", got "spot-warnings"',
      'runners[1].autoscaler.plugin_config.interruption_queue_url: must end in /<12-digit account id>/<queue name>, got path "/spot-warnings"',
      'runners[2].autoscaler.plugin_config.interruption_queue_url: must be a standard queue: EventBridge delivers EC2 events to standard queues',
    ]);
  });
});
