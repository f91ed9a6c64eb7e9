import { spawn } from 'node:child_process';
import { once } from 'node:events';

import { childTreesCpu, machineBusyCpuMs, processCpuMs, processMemory } from './proc-stats';

describe('process figures from /proc', () => {
  it('reads this process: resident memory below its peak, CPU time that grows with work', async () => {
    const memory = await processMemory(process.pid);
    expect(memory.rssMiB).toBeGreaterThan(1);
    expect(memory.peakRssMiB).toBeGreaterThanOrEqual(memory.rssMiB);
    const before = await processCpuMs(process.pid);
    const until = process.cpuUsage();
    // Burn at least 30 ms of CPU (3 ticks of 10 ms) so the tick counter must move.
    while (process.cpuUsage(until).user < 30_000) {
      Math.sqrt(Math.random());
    }
    expect(await processCpuMs(process.pid)).toBeGreaterThan(before);
  });

  it('names the process it cannot read', async () => {
    await expect(processMemory(2 ** 30)).rejects.toThrow(/1073741824/);
  });

  it('counts a child’s whole tree, its grandchildren’s CPU included', async () => {
    // A shell whose own child burns CPU and stays alive, so the shell has reaped nothing: only
    // a walk of the tree finds that time.
    const burn =
      'const t = process.cpuUsage(); while (process.cpuUsage(t).user < 60000) {} setTimeout(() => {}, 5000)';
    // Its own process group, no pipes: the kill below ends the grandchild too, and nothing of
    // it holds Jest open.
    const child = spawn('sh', ['-c', `${JSON.stringify(process.execPath)} -e '${burn}'; true`], {
      detached: true,
      stdio: 'ignore',
    });
    try {
      const machineBefore = await machineBusyCpuMs();
      let tree: number | undefined;
      for (let i = 0; i < 100 && (tree ?? 0) < 50; i += 1) {
        await new Promise(resolve => setTimeout(resolve, 50));
        tree = (await childTreesCpu(process.pid)).find(c => c.pid === child.pid)?.cpuMs;
      }
      expect(tree).toBeGreaterThanOrEqual(50);
      expect(await machineBusyCpuMs()).toBeGreaterThan(machineBefore);
    } finally {
      if (child.pid !== undefined) {
        process.kill(-child.pid, 'SIGKILL');
      }
      await once(child, 'exit');
    }
  });
});
