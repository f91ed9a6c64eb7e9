import { ownMountNamespace, readProcessTable, selectInstanceProcesses } from './process-table';
import type { ProcessEntry } from './process-table';

const hostNamespace = 'mnt:[4026531832]';

function entry(pid: number, fields: Partial<ProcessEntry> = {}): ProcessEntry {
  return { pid, ppid: 1, state: 'S', uid: 0, mountNamespace: hostNamespace, ...fields };
}

describe('selectInstanceProcesses', () => {
  const table = [
    entry(10),
    entry(11, { mountNamespace: 'mnt:[1]' }),
    entry(12, { mountNamespace: 'mnt:[1]', uid: 300000 }),
    entry(13, { uid: 300000 }),
    entry(14, { uid: 300000, state: 'Z' }),
    entry(15, { mountNamespace: 'mnt:[2]' }),
  ];

  it('selects by namespace or uid and skips zombies', () => {
    const pids = selectInstanceProcesses(
      table,
      { mountNamespace: 'mnt:[1]', uid: 300000 },
      hostNamespace,
    );
    expect(pids.map(found => found.pid)).toEqual([11, 12, 13]);
  });

  it('never selects by the host namespace', () => {
    const pids = selectInstanceProcesses(
      table,
      { mountNamespace: hostNamespace, uid: 1 },
      hostNamespace,
    );
    expect(pids).toEqual([]);
  });
});

describe('readProcessTable', () => {
  it('lists this process with its uid and namespace', () => {
    const self = readProcessTable().find(found => found.pid === process.pid);
    expect(self).toMatchObject({
      ppid: process.ppid,
      uid: process.getuid?.(),
      mountNamespace: ownMountNamespace(),
    });
  });
});
