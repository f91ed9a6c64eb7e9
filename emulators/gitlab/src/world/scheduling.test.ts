import type { CiJobView } from '../pipeline-port';
import { RunnerRegistry } from '../state/runner-registry';
import type { CreateRunnerInput } from '../state/runner-registry';
import { orderCandidates, runnerCanRun } from './scheduling';

const runner = (input: CreateRunnerInput) => new RunnerRegistry().create(input, 0);
const job = (id: number, tags: readonly string[] = []): CiJobView => ({
  id,
  name: `job-${id}`,
  stage: 'test',
  status: 'pending',
  tags,
});

describe('runnerCanRun', () => {
  it('hands a tagged job only to a runner whose tags cover every tag of the job', () => {
    const all = runner({ tags: ['alpha', 'beta', 'gamma'], runUntagged: false });
    const alpha = runner({ tags: ['alpha'], runUntagged: false });
    expect(runnerCanRun(all, job(1, ['alpha']), 1)).toBe(true);
    expect(runnerCanRun(all, job(2, ['beta', 'gamma']), 1)).toBe(true);
    expect(runnerCanRun(alpha, job(3, ['alpha', 'beta']), 1)).toBe(false);
    expect(runnerCanRun(alpha, job(4, ['beta']), 1)).toBe(false);
    expect(runnerCanRun(all, job(5, ['alpha', 'delta']), 1)).toBe(false);
  });

  it('hands an untagged job to any runner that runs untagged jobs, tagged or not', () => {
    expect(runnerCanRun(runner({}), job(1), 1)).toBe(true);
    expect(runnerCanRun(runner({ tags: ['alpha'], runUntagged: true }), job(1), 1)).toBe(true);
    expect(runnerCanRun(runner({ tags: ['alpha'], runUntagged: false }), job(1), 1)).toBe(false);
    // An untagged runner takes no tagged job, whatever run_untagged says.
    expect(runnerCanRun(runner({}), job(2, ['alpha']), 1)).toBe(false);
  });

  it('keeps project runners to their projects and gives paused runners nothing', () => {
    const own = runner({ runnerType: 'project_type', projectIds: [7] });
    expect(runnerCanRun(own, job(1), 7)).toBe(true);
    expect(runnerCanRun(own, job(1), 8)).toBe(false);
    expect(runnerCanRun(runner({ paused: true }), job(1), 7)).toBe(false);
  });
});

describe('orderCandidates', () => {
  it('offers one project oldest job first, and prefers projects with fewer running jobs', () => {
    const shared = runner({ tags: ['alpha'] });
    const oneProject = [job(3), job(1), job(2)].map(j => ({ job: j, projectId: 1 }));
    expect(orderCandidates(shared, oneProject, () => 0).map(c => c.job.id)).toEqual([1, 2, 3]);
    const busy = { job: job(1), projectId: 1 };
    const quiet = { job: job(2), projectId: 2 };
    const running = (projectId: number): number => (projectId === 1 ? 5 : 0);
    expect(orderCandidates(shared, [busy, quiet], running).map(c => c.job.id)).toEqual([2, 1]);
  });
});
