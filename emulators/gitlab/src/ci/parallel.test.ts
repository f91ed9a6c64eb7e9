import { ConfigProblems } from './errors';
import { expandParallel, matrixJobName, normalizeParallel } from './parallel';
import { pipelineFrom, statuses } from './test-support';

describe('parallel', () => {
  it('names numbered copies "job i/N"', () => {
    const problems = new ConfigProblems();
    const names = expandParallel('test', normalizeParallel(3, 'jobs:test:parallel', problems))!.map(
      copy => copy.name,
    );
    expect(names).toEqual(['test 1/3', 'test 2/3', 'test 3/3']);
  });

  it.each([
    [[{ OS: ['linux', 'mac'] }], ['deploy: [linux]', 'deploy: [mac]']],
    [
      [
        { PROVIDER: 'aws', STACK: ['monitoring', 'app'] },
        { PROVIDER: ['gcp', 'azure'], STACK: 'data' },
      ],
      [
        'deploy: [aws, monitoring]',
        'deploy: [aws, app]',
        'deploy: [gcp, data]',
        'deploy: [azure, data]',
      ],
    ],
    [
      [{ A: [1, 2], B: ['x', 'y'] }],
      ['deploy: [1, x]', 'deploy: [1, y]', 'deploy: [2, x]', 'deploy: [2, y]'],
    ],
  ])('names matrix copies "job: [values]" for %j', (matrix, names) => {
    const problems = new ConfigProblems();
    const spec = normalizeParallel({ matrix }, 'jobs:deploy:parallel', problems);
    expect(problems.list()).toEqual([]);
    expect(expandParallel('deploy', spec)!.map(copy => copy.name)).toEqual(names);
  });

  it('keeps value order as written', () => {
    expect(matrixJobName('j', { Z: 'z', A: 'a' })).toBe('j: [z, a]');
  });

  it('sets CI_NODE_INDEX/TOTAL and the matrix variables in each payload', () => {
    const pipeline = pipelineFrom(`
unit:
  script: x
  parallel: 2
deploy:
  stage: deploy
  script: x
  parallel:
    matrix:
      - REGION: [eu, us]
`);
    const vars = (name: string) => {
      const job = pipeline.jobs().find(candidate => candidate.name === name)!;
      const payload = pipeline.buildPayload(job.id, { jobToken: 't', runnerId: 1 });
      return Object.fromEntries(
        payload.variables
          .filter(variable =>
            ['CI_NODE_INDEX', 'CI_NODE_TOTAL', 'REGION', 'CI_JOB_NAME'].includes(variable.key),
          )
          .map(variable => [variable.key, variable.value]),
      );
    };
    expect(vars('unit 2/2')).toEqual({
      CI_NODE_INDEX: '2',
      CI_NODE_TOTAL: '2',
      CI_JOB_NAME: 'unit 2/2',
    });
    expect(vars('deploy: [us]')).toEqual({
      CI_NODE_INDEX: '2',
      CI_NODE_TOTAL: '2',
      REGION: 'us',
      CI_JOB_NAME: 'deploy: [us]',
    });
  });

  it('evaluates rules per matrix copy with its variables', () => {
    const pipeline = pipelineFrom(`
deploy:
  script: x
  parallel:
    matrix:
      - REGION: [eu, us]
  rules:
    - if: $REGION == "eu"
`);
    expect(Object.keys(statuses(pipeline))).toEqual(['deploy: [eu]']);
  });

  it('makes a need on a parallel job wait for every copy, or for the matrix copies it picks', () => {
    const pipeline = pipelineFrom(`
build:
  stage: build
  script: x
  parallel:
    matrix:
      - OS: [linux, mac]
all:
  script: x
  needs: [build]
linux-only:
  script: x
  needs:
    - job: build
      parallel:
        matrix:
          - OS: linux
`);
    const linux = pipeline.pendingJobs().find(job => job.name === 'build: [linux]')!;
    pipeline.markRunning(linux.id);
    pipeline.finishJob(linux.id, { status: 'success' });
    expect(statuses(pipeline)).toMatchObject({ all: 'created', 'linux-only': 'pending' });
  });
});
