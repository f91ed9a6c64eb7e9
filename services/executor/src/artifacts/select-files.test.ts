import { parseTreeListing, selectFiles } from './select-files';
import type { TreeEntry } from './select-files';

const projectDir = '/builds/0/acme/widgets';
const tree: TreeEntry[] = [
  { path: 'build', type: 'dir' },
  { path: 'build/app.bin', type: 'file' },
  { path: 'build/tmp', type: 'dir' },
  { path: 'build/tmp/scratch.o', type: 'file' },
  { path: 'build/link', type: 'symlink' },
  { path: 'reports', type: 'dir' },
  { path: 'reports/a/junit.xml', type: 'file' },
  { path: 'reports/a', type: 'dir' },
  { path: 'reports/b.xml', type: 'file' },
  { path: '.hidden', type: 'file' },
  { path: 'buildx', type: 'file' },
];

describe('selectFiles (GitLab Runner file archiver semantics)', () => {
  it('walks a matched directory, counting files and directories, with the found line', () => {
    const selected = selectFiles(tree, { paths: ['build/'], exclude: [] }, projectDir);
    expect(selected.entries.map(e => e.path)).toEqual([
      'build',
      'build/app.bin',
      'build/link',
      'build/tmp',
      'build/tmp/scratch.o',
    ]);
    expect(selected.lines).toEqual([
      { level: 'info', text: 'build/: found 5 matching artifact files and directories' },
    ]);
  });

  it('matches ** across directories and dot files, like doublestar', () => {
    const selected = selectFiles(tree, { paths: ['**/*.xml', '.h*'], exclude: [] }, projectDir);
    expect(selected.entries.map(e => e.path)).toEqual([
      '.hidden',
      'reports/a/junit.xml',
      'reports/b.xml',
    ]);
  });

  it('drops excluded entries and reports how many each rule took', () => {
    const selected = selectFiles(
      tree,
      { paths: ['build'], exclude: ['build/tmp/**', 'build/*.bin'] },
      projectDir,
    );
    // `dir/**` also names the directory itself (zero segments), as doublestar matches it.
    expect(selected.entries.map(e => e.path)).toEqual(['build', 'build/link']);
    expect(selected.lines).toContainEqual({
      level: 'info',
      text: 'build/tmp/**: excluded 2 files',
    });
    expect(selected.lines).toContainEqual({ level: 'info', text: 'build/*.bin: excluded 1 files' });
  });

  it('warns plainly when a path matches nothing and when it leaves the project', () => {
    const selected = selectFiles(
      tree,
      { paths: ['dist/', '../secrets', `${projectDir}/reports/b.xml`], exclude: [] },
      projectDir,
    );
    expect(selected.lines).toEqual([
      {
        level: 'warning',
        text:
          'dist/: no matching files. Ensure that the artifact path is relative to the working ' +
          `directory (${projectDir})`,
      },
      {
        level: 'warning',
        text: 'processPath: artifact path is not a subpath of project directory: ../secrets',
      },
      {
        level: 'info',
        text: `${projectDir}/reports/b.xml: found 1 matching artifact files and directories`,
      },
    ]);
    expect(selected.entries.map(e => e.path)).toEqual(['reports/b.xml']);
  });

  it('adds untracked files, with the untracked line', () => {
    const selected = selectFiles(
      tree,
      { paths: [], exclude: ['reports/*.xml'], untracked: ['buildx', 'reports/b.xml', 'gone'] },
      projectDir,
    );
    expect(selected.entries.map(e => e.path)).toEqual(['buildx']);
    expect(selected.lines).toEqual([
      { level: 'info', text: 'untracked: found 1 files' },
      { level: 'info', text: 'reports/*.xml: excluded 1 files' },
    ]);
    // A single `*` never crosses a directory.
    const top = selectFiles(
      tree,
      { paths: [], exclude: ['*.xml'], untracked: ['reports/b.xml'] },
      projectDir,
    );
    expect(top.entries.map(e => e.path)).toEqual(['reports/b.xml']);
  });

  it('reads find -printf listings', () => {
    const listing = Buffer.from('d build\0f build/a b.txt\0l build/l\0p fifo\0', 'utf8');
    expect(parseTreeListing(listing)).toEqual([
      { path: 'build', type: 'dir' },
      { path: 'build/a b.txt', type: 'file' },
      { path: 'build/l', type: 'symlink' },
      { path: 'fifo', type: 'other' },
    ]);
  });
});
