import { mkdtemp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

import { demoMaxInstances } from '@taskfleet/cli';
import type { DemoWorld } from '@taskfleet/cli';
import { createRegistry } from '@taskfleet/registry';
import type { Redis } from 'ioredis';
import { pino } from 'pino';

const silent = pino({ level: 'silent' });
const finalStatuses = ['success', 'failed', 'canceled', 'skipped'];

/**
 * Waits until every instance the demo group may have is ready, read straight from the registry
 * in Redis; throws after `timeoutMs`.
 */
export async function waitForWarmFleet(
  harness: Redis,
  keyPrefix: string,
  world: DemoWorld,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // The runner's base key is `{tf:<prefix>:<runnerKey>}`; the demo config has one runner.
    const [instancesKey] = await harness.keys(`{tf:${keyPrefix}:*}:instances`);
    const runnerKey = /^\{tf:[^:]+:(.+)\}:instances$/.exec(instancesKey ?? '')?.[1];
    if (runnerKey !== undefined) {
      const registry = createRegistry({ redis: harness, keyPrefix, runnerKey, logger: silent });
      const snapshot = await registry.snapshot();
      if (snapshot.instancesByState.ready >= demoMaxInstances) {
        return;
      }
    }
    if (Date.now() > deadline) {
      const members = await world.groupMemberCount();
      throw new Error(`bench: fleet not warm in time (${members} group members)`);
    }
    await delay(500);
  }
}

/** Polls the GitLab emulator every `intervalMs` until the pipeline ends; returns its status. */
export async function waitForPipeline(
  gitlab: DemoWorld['gitlab'],
  pipelineId: number,
  timeoutMs: number,
  intervalMs = 100,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { status } = gitlab.admin.getPipeline(pipelineId);
    if (finalStatuses.includes(status)) {
      return status;
    }
    if (Date.now() > deadline) {
      throw new Error(`bench: pipeline still ${status} after ${timeoutMs} ms`);
    }
    await delay(intervalMs);
  }
}

/**
 * A project directory under `parent` with `count` trivial jobs in one stage (no clone), each
 * running `script`; split into jobs of at most 200 (GitLab's `parallel` limit).
 */
export async function trivialProject(
  parent: string,
  count: number,
  script = 'echo "job $CI_NODE_INDEX of $CI_NODE_TOTAL"',
): Promise<string> {
  const dir = await mkdtemp(join(parent, 'project-'));
  const lines: string[] = [];
  for (let part = 0; part * 200 < count; part += 1) {
    const size = Math.min(200, count - part * 200);
    lines.push(
      `trivial-${part}:`,
      ...(size > 1 ? [`  parallel: ${size}`] : []),
      '  variables:',
      '    GIT_STRATEGY: none',
      '  script:',
      `    - ${JSON.stringify(script)}`,
    );
  }
  await writeFile(join(dir, '.gitlab-ci.yml'), `${lines.join('\n')}\n`);
  return dir;
}
