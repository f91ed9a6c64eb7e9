import { RegistryError } from './errors';
import { checkId, runnerBaseKey } from './keys';

describe('runnerBaseKey', () => {
  it('puts prefix and runner inside one hash tag', () => {
    expect(runnerBaseKey('prod', 'asg-1.runner_7')).toBe('{tf:prod:asg-1.runner_7}');
  });

  it.each([['a{b'], ['a}b'], ['a:b'], ['']])(
    'refuses %j, which would break the tag or layout',
    bad => {
      expect(() => runnerBaseKey(bad, 'r')).toThrow(RegistryError);
      expect(() => runnerBaseKey('p', bad)).toThrow(RegistryError);
    },
  );
});

describe('checkId', () => {
  it('accepts instance and job ids and refuses colons and oversize ids', () => {
    expect(() => {
      checkId('jobId', '123456');
    }).not.toThrow();
    expect(() => {
      checkId('instanceId', 'i-0abc');
    }).not.toThrow();
    expect(() => {
      checkId('jobId', 'x:slots');
    }).toThrow(RegistryError);
    expect(() => {
      checkId('jobId', 'x'.repeat(129));
    }).toThrow(RegistryError);
  });
});
