import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createRepository, GitRepositoryError, openRepository } from './index';
import type { Repository } from './index';
import { gitText } from './run-git';

describe('git repository', () => {
  let workDir: string;
  let sourceDir: string;
  let rootDir: string;

  beforeEach(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'taskfleet-git-test-'));
    sourceDir = join(workDir, 'source');
    rootDir = join(workDir, 'repos');
    await mkdir(join(sourceDir, 'scripts'), { recursive: true });
    await writeFile(join(sourceDir, '.gitlab-ci.yml'), 'job:\n  script: echo hi\n');
    await writeFile(join(sourceDir, 'scripts', 'build.sh'), '#!/bin/sh\necho build\n');
    await chmod(join(sourceDir, 'scripts', 'build.sh'), 0o755);
    // Ignored files are committed all the same: the directory is the project, as given.
    await writeFile(join(sourceDir, '.gitignore'), '*.log\n');
    await writeFile(join(sourceDir, 'debug.log'), 'kept\n');
    await symlink('scripts/build.sh', join(sourceDir, 'build'));
    await mkdir(join(sourceDir, '.git'));
    await writeFile(join(sourceDir, '.git', 'config'), 'not part of the project\n');
  });

  afterEach(async () => {
    await rm(workDir, { recursive: true, force: true });
  });

  async function create(pathWithNamespace = 'group/project'): Promise<Repository> {
    return createRepository({ sourceDir, rootDir, pathWithNamespace });
  }

  it('commits every file of the source directory onto main', async () => {
    const repo = await create();

    expect(repo.repoPath).toBe(join(rootDir, 'group', 'project.git'));
    expect(repo.defaultBranch).toBe('main');
    const sha = await repo.headSha();
    expect(sha).toMatch(/^[0-9a-f]{40}$/);
    expect(await repo.listFiles(sha)).toEqual([
      '.gitignore',
      '.gitlab-ci.yml',
      'build',
      'debug.log',
      'scripts/build.sh',
    ]);
    expect(await repo.readFile(sha, '.gitlab-ci.yml')).toBe('job:\n  script: echo hi\n');
    expect(await repo.readFile(sha, 'missing.yml')).toBeUndefined();
    expect(await repo.readFile(sha, 'scripts')).toBeUndefined();
    const env = { GIT_DIR: repo.repoPath };
    expect(await gitText(['ls-tree', sha, 'scripts/build.sh'], { env })).toMatch(/^100755 blob/);
    expect(await gitText(['ls-tree', sha, 'build'], { env })).toMatch(/^120000 blob/);
    expect(await gitText(['symbolic-ref', 'HEAD'], { env })).toBe('refs/heads/main');
  });

  it('gives the same sha for the same directory, author and clock', async () => {
    const first = await create('a/project');
    const second = await create('b/project');

    expect(await first.headSha()).toBe(await second.headSha());
    const env = { GIT_DIR: first.repoPath };
    expect(await gitText(['log', '-1', '--format=%an <%ae> %at %cn %ct'], { env })).toBe(
      'Taskfleet Emulator <emulator@taskfleet.invalid> 1767225600 Taskfleet Emulator 1767225600',
    );
  });

  it('uses the given branch, author and clock', async () => {
    const repo = await createRepository({
      sourceDir,
      rootDir,
      pathWithNamespace: 'group/sub/project',
      defaultBranch: 'trunk',
      author: { name: 'Ada', email: 'ada@example.invalid' },
      now: () => new Date('2026-03-01T12:00:00Z'),
    });

    expect(await repo.resolve('trunk')).toBe(await repo.headSha());
    expect(await repo.resolve('main')).toBeUndefined();
    const log = await gitText(['log', '-1', '--format=%an %ct'], {
      env: { GIT_DIR: repo.repoPath },
    });
    expect(log).toBe(`Ada ${Date.parse('2026-03-01T12:00:00Z') / 1000}`);
  });

  it('commits a changed directory on top of the branch', async () => {
    const repo = await create();
    const first = await repo.headSha();
    await writeFile(join(sourceDir, '.gitlab-ci.yml'), 'job:\n  script: echo two\n');
    await rm(join(sourceDir, 'debug.log'));

    const second = await repo.commitDirectory(sourceDir, { message: 'Second' });

    expect(await repo.headSha()).toBe(second);
    expect(await repo.resolve(`${second}^`)).toBe(first);
    expect(await repo.readFile(second, '.gitlab-ci.yml')).toBe('job:\n  script: echo two\n');
    expect(await repo.readFile(first, '.gitlab-ci.yml')).toBe('job:\n  script: echo hi\n');
    expect(await repo.listFiles(second)).not.toContain('debug.log');
    const subject = await gitText(['log', '-1', '--format=%s', second], {
      env: { GIT_DIR: repo.repoPath },
    });
    expect(subject).toBe('Second');
  });

  it('commits onto a new branch without moving the default branch', async () => {
    const repo = await create();
    const main = await repo.headSha();

    const feature = await repo.commitDirectory(sourceDir, { branch: 'feature/x' });

    expect(await repo.headSha()).toBe(main);
    expect(await repo.headSha('feature/x')).toBe(feature);
    expect(await repo.resolve(`${feature}^`)).toBeUndefined();
  });

  it('creates tags, branches and pipeline refs', async () => {
    const repo = await create();
    const sha = await repo.headSha();

    await repo.createTag('v1.0.0', sha);
    await repo.createTag('v1.0.1', sha, { message: 'Release 1.0.1' });
    await repo.createBranch('release', sha);
    await repo.createPipelineRef(7, sha);

    expect(await repo.resolve('refs/tags/v1.0.0')).toBe(sha);
    // An annotated tag peels to its commit.
    expect(await repo.resolve('v1.0.1')).toBe(sha);
    const env = { GIT_DIR: repo.repoPath };
    expect(await gitText(['cat-file', '-t', 'refs/tags/v1.0.1'], { env })).toBe('tag');
    expect(await repo.resolve('refs/heads/release')).toBe(sha);
    expect(await repo.resolve('refs/pipelines/7')).toBe(sha);
    expect(await repo.resolve(sha.slice(0, 12))).toBe(sha);
    expect(await repo.resolve('refs/heads/nope')).toBeUndefined();
    expect(await repo.resolve('0'.repeat(40))).toBeUndefined();
  });

  it('rejects duplicate refs, bad names and unknown commits with codes', async () => {
    const repo = await create();
    const sha = await repo.headSha();
    await repo.createTag('v1', sha);

    await expect(repo.createTag('v1', sha)).rejects.toMatchObject({ code: 'ref_exists' });
    await expect(repo.createTag('v1', sha, { message: 'again' })).rejects.toMatchObject({
      code: 'ref_exists',
    });
    await expect(repo.createBranch('main', sha)).rejects.toMatchObject({ code: 'ref_exists' });
    await expect(repo.createBranch('bad..name', sha)).rejects.toMatchObject({
      code: 'invalid_ref',
    });
    await expect(repo.createBranch('x', 'f'.repeat(40))).rejects.toMatchObject({
      code: 'commit_not_found',
    });
    await expect(repo.createPipelineRef(0, sha)).rejects.toMatchObject({ code: 'invalid_ref' });
    await expect(repo.headSha('nope')).rejects.toMatchObject({ code: 'ref_not_found' });
    await expect(repo.listFiles('nope')).rejects.toMatchObject({ code: 'commit_not_found' });
  });

  it('refuses bad project paths, missing sources and existing repositories', async () => {
    await create();

    await expect(create()).rejects.toBeInstanceOf(GitRepositoryError);
    await expect(create()).rejects.toMatchObject({ code: 'repository_exists', retryable: false });
    for (const bad of [
      'project',
      '../escape',
      'group/../x',
      'group/p.git',
      'group/.hidden',
      'a//b',
    ]) {
      await expect(create(bad)).rejects.toMatchObject({ code: 'invalid_path' });
    }
    await expect(
      createRepository({ sourceDir: join(workDir, 'nope'), rootDir, pathWithNamespace: 'g/p2' }),
    ).rejects.toMatchObject({ code: 'source_not_found' });
    // The failed attempt leaves nothing behind that would block a corrected retry.
    await expect(
      createRepository({ sourceDir, rootDir, pathWithNamespace: 'g/p2' }),
    ).resolves.toBeDefined();
  });

  it('reopens an existing repository', async () => {
    const created = await createRepository({
      sourceDir,
      rootDir,
      pathWithNamespace: 'group/project',
      defaultBranch: 'trunk',
    });

    const opened = await openRepository({ rootDir, pathWithNamespace: 'group/project' });

    expect(opened.defaultBranch).toBe('trunk');
    expect(await opened.headSha()).toBe(await created.headSha());
    await expect(
      openRepository({ rootDir, pathWithNamespace: 'group/none' }),
    ).rejects.toMatchObject({ code: 'repository_not_found' });
  });

  it('adds another repository as a submodule', async () => {
    const lib = await create('group/lib');
    const libSha = await lib.headSha();
    const app = await create('group/app');
    await mkdir(join(sourceDir, 'vendor', 'lib'), { recursive: true });
    await writeFile(join(sourceDir, 'vendor', 'lib', 'stale.txt'), 'shadowed by the gitlink\n');

    const sha = await app.commitDirectory(sourceDir, {
      submodules: [{ path: 'vendor/lib', url: '../lib.git', sha: libSha }],
    });

    const env = { GIT_DIR: app.repoPath };
    expect(await gitText(['ls-tree', sha, 'vendor/lib'], { env })).toBe(
      `160000 commit ${libSha}\tvendor/lib`,
    );
    expect(await app.readFile(sha, '.gitmodules')).toBe(
      '[submodule "vendor/lib"]\n\tpath = vendor/lib\n\turl = ../lib.git\n',
    );
    expect(await app.listFiles(sha)).not.toContain('vendor/lib/stale.txt');
    await expect(
      app.commitDirectory(sourceDir, { submodules: [{ path: '../x', url: 'u', sha: libSha }] }),
    ).rejects.toMatchObject({ code: 'invalid_submodule' });
    await expect(
      app.commitDirectory(sourceDir, { submodules: [{ path: 'x', url: 'u', sha: 'abc' }] }),
    ).rejects.toMatchObject({ code: 'invalid_submodule' });
  });
});
