import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { forgetTransferDir, removeTransferDirsSync, trackTransferDir } from './transfer-dirs';

describe('transfer dirs removed on an immediate exit', () => {
  it('removes the tracked dirs with their files, and leaves the forgotten ones alone', async () => {
    const held = await mkdtemp(join(tmpdir(), 'taskfleet-transfer-'));
    const done = await mkdtemp(join(tmpdir(), 'taskfleet-transfer-'));
    await writeFile(join(held, 'archive.zip'), 'x');
    trackTransferDir(held);
    trackTransferDir(done);
    forgetTransferDir(done);
    try {
      expect(removeTransferDirsSync()).toEqual([]);
      expect([existsSync(held), existsSync(done)]).toEqual([false, true]);
      // Nothing is left to remove a second time.
      expect(removeTransferDirsSync()).toEqual([]);
    } finally {
      await rm(done, { recursive: true, force: true });
    }
  });
});
