import { AwsApiError } from '../errors';
import { QueryParams } from './query-request';

describe('QueryParams', () => {
  it('reads Auto Scaling member lists and nested structures in index order', () => {
    const p = QueryParams.parse(
      'AutoScalingGroupNames.member.2=b&AutoScalingGroupNames.member.1=a&Filters.member.1.Name=tag%3Ateam&Filters.member.1.Values.member.1=x&LaunchTemplate.Version=%24Latest',
      '',
      'query',
    );
    expect(p.strings('AutoScalingGroupNames', true)).toEqual(['a', 'b']);
    expect(
      p.elements('Filters', true).map(f => [f.string('Name'), f.strings('Values', true)]),
    ).toEqual([['tag:team', ['x']]]);
    expect(p.sub('LaunchTemplate').string('Version')).toBe('$Latest');
  });

  it('reads flattened EC2 lists, and treats the SDK empty list (Name=) as absent', () => {
    const p = QueryParams.parse(
      'InstanceId.1=i-1&InstanceId.10=i-10&InstanceId.2=i-2&AutoScalingGroupNames=',
      '',
      'ec2',
    );
    expect(p.strings('InstanceId', false)).toEqual(['i-1', 'i-2', 'i-10']);
    expect(p.strings('AutoScalingGroupNames', true)).toEqual([]);
    expect(p.string('AutoScalingGroupNames')).toBeUndefined();
  });

  it.each([
    [
      'query',
      'MinSize',
      "1 validation error detected: Value null at 'minSize' failed to satisfy constraint: Member must not be null",
      'ValidationError',
    ],
    ['ec2', 'KeyName', 'The request must contain the parameter KeyName', 'MissingParameter'],
  ] as const)(
    'reports a missing %s parameter the way the service does',
    (dialect, name, message, code) => {
      const p = QueryParams.parse('', '', dialect);
      expect(() => p.requiredString(name)).toThrow(new AwsApiError(code, message));
      try {
        p.requiredInt(name);
      } catch (error) {
        expect((error as AwsApiError).code).toBe(code);
      }
    },
  );

  it('rejects malformed integers and booleans', () => {
    const p = QueryParams.parse('MinSize=two&HonorCooldown=yes', '', 'query');
    expect(() => p.int('MinSize')).toThrow(AwsApiError);
    expect(() => p.bool('HonorCooldown')).toThrow(AwsApiError);
  });
});
