// An artifact upload GitLab answers 307 (issue #5): the executor sends it again to the
// Location's origin as GitLab Runner's uploader does (same API path, job token included, the
// Location's path and query dropped), within the uploader's 3 tries; a job run over SSH on a
// real sshd instance against the GitLab emulator, whose second listener takes the re-sent upload.
import { plain, startTransferWorld } from './support/transfer-world';
import type { TransferWorld } from './support/transfer-world';

jest.setTimeout(90_000);

const ciYaml = `
redirected:
  script:
    - echo built > out.txt
  artifacts:
    paths: [out.txt]
bounced:
  script:
    - echo built > out.txt
  artifacts:
    paths: [out.txt]
`;

// Tries wait 10 ms doubling to 40 ms here instead of 1 s doubling to 5 s.
const uploadRetryBackoff = { minMs: 10, maxMs: 40 };

describe('scenario: an artifact upload redirected to another origin', () => {
  let world: TransferWorld;
  beforeAll(async () => {
    world = await startTransferWorld({ files: { '.gitlab-ci.yml': ciYaml }, tag: 'redir' });
  });
  afterAll(async () => {
    await world.close();
  });

  function uploadsOf(jobId: number) {
    return world.emulator.admin
      .listRequests({ method: 'POST', pathPrefix: `/api/v4/jobs/${jobId}/artifacts` })
      .map(r => ({
        listener: r.listener,
        path: r.path,
        status: r.status,
        jobToken: r.headers['job-token'],
      }));
  }

  it('re-sends the upload to the new origin, which stores it; the job succeeds', async () => {
    const { redirectUrl } = world.emulator;
    const location = `${redirectUrl}/object-storage/bucket/key?X-Amz-Signature=s1gn4tur3`;
    const fault = world.emulator.admin.addFault({
      method: 'POST',
      path: '/api/v4/jobs/*/artifacts',
      kind: 'redirect',
      location,
      count: 1,
    });
    const run = await world.runNext({ artifacts: world.client, uploadRetryBackoff });
    world.emulator.admin.removeFault(fault.id);
    expect(run.job.job_info.name).toBe('redirected');
    expect(run.outcome).toEqual({ outcome: 'success' });
    expect(run.status).toBe('success');
    const path = `/api/v4/jobs/${run.job.id}/artifacts`;
    expect(uploadsOf(run.job.id)).toEqual([
      { listener: 'api', path, status: 307, jobToken: run.job.token },
      { listener: 'redirect', path, status: 201, jobToken: run.job.token },
    ]);
    expect(world.emulator.admin.getJob(run.job.id).artifacts).toEqual([
      expect.objectContaining({ filename: 'artifacts.zip', type: 'archive' }),
    ]);
    const log = plain(run.trace);
    expect(log).toContain(
      `WARNING: Upload request redirected  location=${redirectUrl}/object-storage/bucket/key?` +
        `X-Amz-Signature=[MASKED] new-url=${redirectUrl}\n`,
    );
    expect(log).toContain(
      'WARNING: Retrying...  context=artifacts-uploader error=request redirected\n',
    );
    expect(log).toMatch(/Uploading artifacts as "archive" to coordinator\.\.\. 201 Created {2}/);
    expect(log).not.toContain('s1gn4tur3');
  });

  it('stops after 3 tries when every upload is redirected, failing the job', async () => {
    const fault = world.emulator.admin.addFault({
      method: 'POST',
      path: '/api/v4/jobs/*/artifacts',
      kind: 'redirect',
      count: 10,
    });
    const run = await world.runNext({ artifacts: world.client, uploadRetryBackoff });
    world.emulator.admin.removeFault(fault.id);
    expect(run.job.job_info.name).toBe('bounced');
    expect(uploadsOf(run.job.id).map(u => [u.listener, u.status])).toEqual([
      ['api', 307],
      ['redirect', 307],
      ['redirect', 307],
    ]);
    const log = plain(run.trace);
    expect(log.split('WARNING: Upload request redirected')).toHaveLength(4);
    expect(log.split('WARNING: Retrying...')).toHaveLength(3);
    expect(log).toContain('FATAL: request redirected\n');
    expect(run.outcome).toEqual({
      outcome: 'failed',
      failureReason: 'script_failure',
      exitCode: 1,
    });
    expect(run.status).toBe('failed');
    expect(world.emulator.admin.getJob(run.job.id).artifacts).toEqual([]);
  });
});
