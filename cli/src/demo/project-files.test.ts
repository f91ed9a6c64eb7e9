import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { loadExampleProjects, loadProject, readVariables } from './project-files';

describe('demo project files', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cli-project-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads variables.json and expected.json beside the CI file', async () => {
    await writeFile(join(dir, '.gitlab-ci.yml'), 'job:\n  script: [true]\n');
    await writeFile(join(dir, 'variables.json'), '[{"key":"A","value":"b","masked":true}]');
    await writeFile(join(dir, 'expected.json'), '{"job":{"status":"success"}}');
    await expect(loadProject(dir)).resolves.toEqual({
      name: dir.split('/').at(-1),
      dir,
      variables: [{ key: 'A', value: 'b', masked: true }],
      expectation: { job: { status: 'success' } },
    });
  });

  it('refuses a variables file with an unknown field or a bad key', async () => {
    const path = join(dir, 'v.json');
    await writeFile(path, '[{"key":"A-B","value":"x"}]');
    await expect(readVariables(path)).rejects.toMatchObject({ code: 'invalid_argument' });
    await writeFile(path, '[{"key":"A","value":"x","protected":true}]');
    await expect(readVariables(path)).rejects.toMatchObject({ code: 'invalid_argument' });
  });

  it('refuses a directory without .gitlab-ci.yml', async () => {
    await expect(loadProject(dir)).rejects.toThrow('could not find .gitlab-ci.yml');
  });

  it('lists the example directories that hold a pipeline, in name order', async () => {
    for (const name of ['b', 'a']) {
      await mkdir(join(dir, name));
      await writeFile(join(dir, name, '.gitlab-ci.yml'), 'job:\n  script: [true]\n');
    }
    const projects = await loadExampleProjects(dir);
    expect(projects.map(p => p.name)).toEqual(['a', 'b']);
  });
});
