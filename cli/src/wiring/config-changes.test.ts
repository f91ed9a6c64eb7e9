import { parseConfig } from '@taskfleet/config';
import type { Config } from '@taskfleet/config';

import { configChanges } from './config-changes';

const env = { TASKFLEET_PAYLOAD_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64') };

function runner(id: number, lines = ''): string {
  return `
[[runners]]
  name = "r${id}"
  url = "https://gitlab.example.com"
  id = ${id}
  token = "glrt-${id}"
  executor = "instance"
  ${lines}
  [runners.autoscaler]
    plugin = "aws"
    [runners.autoscaler.plugin_config]
      name = "asg-${id}"
`;
}

function config(text: string): Config {
  return parseConfig(`concurrent = 4\n${text}`, { env }).config;
}

describe('configChanges', () => {
  it('is empty for the same file', () => {
    expect(configChanges(config(runner(1)), config(runner(1)))).toEqual([]);
  });

  it('matches runners by key, so reordering them is no change', () => {
    expect(configChanges(config(runner(1) + runner(2)), config(runner(2) + runner(1)))).toEqual([]);
  });

  it('names a grown list whole, and added and removed runners', () => {
    const before = config(runner(1, 'environment = ["A=1"]') + runner(2));
    const after = config(runner(1, 'environment = ["A=1", "B=2"]') + runner(3));
    expect(configChanges(before, after)).toEqual([
      'runners[0].environment',
      'runners[1]',
      'runners',
    ]);
  });
});
