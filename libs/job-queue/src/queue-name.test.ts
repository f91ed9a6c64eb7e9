import { JobQueueError } from './errors';
import { jobQueueName, jobQueuePrefix, queueJobId } from './queue-name';

describe('queue naming', () => {
  it('uses the registry hash tag as the BullMQ prefix', () => {
    expect(jobQueuePrefix('prod', 'runner-1')).toBe('{tf:prod:runner-1}');
    expect(jobQueueName('runner-1')).toBe('jobs-runner-1');
  });

  it('refuses names that would break the hash tag or BullMQ', () => {
    expect(() => jobQueuePrefix('a}b', 'r')).toThrow(JobQueueError);
    expect(() => jobQueueName('a:b')).toThrow(JobQueueError);
  });

  it('maps a GitLab job id to a non-integer BullMQ id', () => {
    expect(queueJobId(42)).toBe('gl-42');
    expect(() => queueJobId(0)).toThrow(JobQueueError);
    expect(() => queueJobId(1.5)).toThrow(JobQueueError);
  });
});
