import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { createRepository, defaultGitIdentity, handleGitHttp, parseBasicAuth } from './index';
import type { Repository } from './index';
import { gitText, runGit } from './run-git';
import { identityEnv } from './snapshot-commit';

const jobToken = 'glcbt-test-token';

describe('git smart HTTP', () => {
  let workDir: string;
  let sourceDir: string;
  let repo: Repository;
  let firstSha: string;
  let secondSha: string;
  let danglingSha: string;
  let server: Server;
  let baseUrl: string;
  const seenUsers: (string | undefined)[] = [];
  const repos = new Map<string, Repository>();

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'taskfleet-git-http-'));
    sourceDir = join(workDir, 'source');
    await mkdir(sourceDir);
    await writeFile(join(sourceDir, '.gitlab-ci.yml'), 'job:\n  script: echo one\n');
    repo = await createRepository({
      sourceDir,
      rootDir: join(workDir, 'repos'),
      pathWithNamespace: 'group/project',
    });
    firstSha = await repo.headSha();
    repos.set(repo.pathWithNamespace, repo);
    await writeFile(join(sourceDir, 'second.txt'), 'two\n');
    secondSha = await repo.commitDirectory(sourceDir, { message: 'Second' });
    await repo.createTag('v1', firstSha);
    await repo.createPipelineRef(42, firstSha);
    // A commit no ref reaches, as after a force-push: runners may still be asked to build it.
    danglingSha = await gitText(['commit-tree', `${firstSha}^{tree}`, '-m', 'dangling'], {
      env: { GIT_DIR: repo.repoPath, ...identityEnv(defaultGitIdentity, new Date(0)) },
    });

    // A stand-in for the emulator's router: job-token Basic auth, then the project's repository.
    server = createServer((req, res) => {
      const match = /^\/(group\/[a-z]+)\.git(\/[^?]*)/.exec(req.url ?? '');
      const auth = parseBasicAuth(req.headers.authorization);
      if (auth?.username !== 'gitlab-ci-token' || auth.password !== jobToken) {
        req.resume();
        res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="GitLab"' }).end();
        return;
      }
      seenUsers.push(auth.username);
      const repoPath = repos.get(match?.[1] ?? '')?.repoPath ?? join(workDir, 'none.git');
      handleGitHttp(req, res, { repoPath, pathInfo: match?.[2] ?? '/', remoteUser: auth.username });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    baseUrl = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    server.close();
    await rm(workDir, { recursive: true, force: true });
  });

  const remote = (path = 'group/project'): string =>
    `http://gitlab-ci-token:${jobToken}@${baseUrl.slice('http://'.length)}/${path}.git`;

  async function emptyClone(name: string): Promise<string> {
    const dir = join(workDir, name);
    await runGit(['init', '--quiet', dir]);
    await runGit(['-C', dir, 'remote', 'add', 'origin', remote()]);
    return dir;
  }

  it('clones the repository with the job token', async () => {
    const dir = join(workDir, 'clone');

    await runGit(['clone', '--quiet', remote(), dir]);

    expect(await gitText(['-C', dir, 'rev-parse', 'HEAD'])).toBe(secondSha);
    expect(await gitText(['-C', dir, 'symbolic-ref', 'HEAD'])).toBe('refs/heads/main');
    expect(existsSync(join(dir, 'second.txt'))).toBe(true);
    expect(seenUsers).toContain('gitlab-ci-token');
  });

  it('fetches a runner refspec shallowly and checks out the sha', async () => {
    const dir = await emptyClone('shallow');

    await runGit([
      '-C',
      dir,
      'fetch',
      '--depth',
      '1',
      'origin',
      '+refs/heads/main:refs/remotes/origin/main',
    ]);
    await runGit(['-C', dir, 'checkout', '--quiet', '-f', secondSha]);

    expect(await gitText(['-C', dir, 'rev-parse', 'HEAD'])).toBe(secondSha);
    expect(await gitText(['-C', dir, 'rev-parse', '--is-shallow-repository'])).toBe('true');
    expect(await gitText(['-C', dir, 'rev-list', '--count', 'HEAD'])).toBe('1');
  });

  it('fetches exact shas, reachable or not, over protocol v2 and v0', async () => {
    for (const version of ['2', '0']) {
      const dir = await emptyClone(`by-sha-v${version}`);
      const fetch = ['-C', dir, '-c', `protocol.version=${version}`, 'fetch', '--depth', '1'];

      await runGit([...fetch, 'origin', firstSha]);
      expect(await gitText(['-C', dir, 'rev-parse', 'FETCH_HEAD'])).toBe(firstSha);
      await runGit([...fetch, 'origin', danglingSha]);
      expect(await gitText(['-C', dir, 'rev-parse', 'FETCH_HEAD'])).toBe(danglingSha);
    }
  });

  it('fetches the persistent pipeline ref', async () => {
    const dir = await emptyClone('pipeline-ref');

    await runGit(['-C', dir, 'fetch', 'origin', '+refs/pipelines/42:refs/pipelines/42']);

    expect(await gitText(['-C', dir, 'rev-parse', 'refs/pipelines/42'])).toBe(firstSha);
  });

  it('serves a submodule through its relative URL', async () => {
    const libSource = join(workDir, 'lib-source');
    await mkdir(libSource);
    await writeFile(join(libSource, 'lib.sh'), 'echo lib\n');
    const lib = await createRepository({
      sourceDir: libSource,
      rootDir: join(workDir, 'repos'),
      pathWithNamespace: 'group/lib',
    });
    const app = await createRepository({
      sourceDir,
      rootDir: join(workDir, 'repos'),
      pathWithNamespace: 'group/app',
    });
    repos.set('group/lib', lib).set('group/app', app);
    const appSha = await app.commitDirectory(sourceDir, {
      submodules: [{ path: 'vendor/lib', url: '../lib.git', sha: await lib.headSha() }],
    });
    const dir = join(workDir, 'app-clone');

    // What GIT_SUBMODULE_STRATEGY=normal does after the checkout.
    await runGit(['clone', '--quiet', remote('group/app'), dir]);
    await runGit(['-C', dir, 'submodule', 'update', '--init']);

    expect(await gitText(['-C', dir, 'rev-parse', 'HEAD'])).toBe(appSha);
    expect(await gitText(['-C', join(dir, 'vendor', 'lib'), 'rev-parse', 'HEAD'])).toBe(
      await lib.headSha(),
    );
    expect(existsSync(join(dir, 'vendor', 'lib', 'lib.sh'))).toBe(true);
  });

  it('lists refs with ls-remote over protocol v2 and v0', async () => {
    for (const version of ['2', '0']) {
      const out = await gitText(['-c', `protocol.version=${version}`, 'ls-remote', remote()]);

      expect(out).toContain(`${secondSha}\tHEAD`);
      expect(out).toContain(`${secondSha}\trefs/heads/main`);
      expect(out).toContain(`${firstSha}\trefs/tags/v1`);
      expect(out).toContain(`${firstSha}\trefs/pipelines/42`);
    }
  });

  it('answers a gzip-encoded upload-pack request', async () => {
    const want = `want ${firstSha}\n`;
    const body = `${(want.length + 4).toString(16).padStart(4, '0')}${want}00000009done\n`;

    const reply = await post('/group/project.git/git-upload-pack', gzipSync(body), {
      'Content-Type': 'application/x-git-upload-pack-request',
      'Content-Encoding': 'gzip',
    });

    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('application/x-git-upload-pack-result');
    expect(reply.body.subarray(0, 8).toString()).toBe('0008NAK\n');
    expect(reply.body.includes('PACK')).toBe(true);
  });

  it('answers 404 for unknown paths and repositories, 403 for pushes', async () => {
    expect((await get('/group/project.git/objects/info/packs')).status).toBe(404);
    expect((await get('/group/project.git/info/refs')).status).toBe(404);
    expect((await get('/group/none.git/info/refs?service=git-upload-pack')).status).toBe(404);
    expect((await get('/group/project.git/info/refs?service=git-receive-pack')).status).toBe(403);
    expect((await get('/group/project.git/git-upload-pack')).status).toBe(405);
    const missing = await runGit(['ls-remote', remote('group/none')], { okExitCodes: [128] });
    expect(missing.exitCode).toBe(128);
  });

  it('refuses a push through git', async () => {
    const dir = join(workDir, 'push');
    await runGit(['clone', '--quiet', remote(), dir]);
    await runGit(['-C', dir, 'commit', '--allow-empty', '-m', 'x'], {
      env: {
        GIT_AUTHOR_NAME: 't',
        GIT_AUTHOR_EMAIL: 't@t',
        GIT_COMMITTER_NAME: 't',
        GIT_COMMITTER_EMAIL: 't@t',
      },
    });

    const push = await runGit(['-C', dir, 'push', 'origin', 'HEAD:main'], {
      okExitCodes: [128, 1],
    });

    expect(push.exitCode).not.toBe(0);
    expect(await repo.headSha()).toBe(secondSha);
  });

  interface Reply {
    status: number;
    headers: Record<string, string | string[] | undefined>;
    body: Buffer;
  }

  function get(path: string): Promise<Reply> {
    return send('GET', path, undefined, {});
  }

  function post(path: string, body: Buffer, headers: Record<string, string>): Promise<Reply> {
    return send('POST', path, body, headers);
  }

  function send(
    method: string,
    path: string,
    body: Buffer | undefined,
    headers: Record<string, string>,
  ): Promise<Reply> {
    const authorization = `Basic ${Buffer.from(`gitlab-ci-token:${jobToken}`).toString('base64')}`;
    return new Promise((resolve, reject) => {
      const req = request(`${baseUrl}${path}`, { method, headers: { ...headers, authorization } });
      req.on('error', reject);
      req.on('response', res => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
          });
        });
      });
      req.end(body);
    });
  }
});
