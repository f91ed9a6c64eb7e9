import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';

import { FleetingError } from '../errors';
import type { ConnectInfo } from '../port/connector-config';
import { supportsStrays } from '../port/instance-group';
import type { InstanceGroup } from '../port/instance-group';
import type { InstanceState } from '../port/instance-state';

/** One provider under test, made fresh for every contract test. */
export interface ContractSubject {
  /** A provider over an empty group, not yet initialised. */
  readonly provider: InstanceGroup;
  /** The group's own size limit (an ASG's MaxSize); keep it small, as the test fills it. */
  readonly groupMaxSize: number;
  /** Lets the cloud make progress (move a clock, await launches); called between polls. */
  advance(): Promise<void>;
  /** Removes a member behind the provider's back, as a person or the cloud itself would. */
  removeExternally(id: string): Promise<void>;
  /**
   * Takes a member out of the group behind the provider's back, lowering the desired capacity,
   * so it runs on outside it (an ASG's DetachInstances); needed with `strays`.
   */
  detachExternally?(id: string): Promise<void>;
  /** Proves the info reaches the instance (e.g. by dialling it); shape checks only if absent. */
  checkReachable?(info: ConnectInfo): Promise<void>;
  /** Releases everything the subject created; called after each test, even a failed one. */
  cleanup(): Promise<void>;
}

/** Bounds of the contract run. */
export interface ContractOptions {
  /** How many `advance()` + `update()` rounds a test waits for a state before failing. */
  readonly maxAdvances?: number;
  /** Jest timeout of each test. */
  readonly testTimeoutMs?: number;
  /** An id the cloud accepts in shape but has never issued. */
  readonly unknownInstanceId?: string;
  /** The provider declares `stray_instances` and the subject can detach: test that too. */
  readonly strays?: boolean;
}

const STATES = new Set(['creating', 'running', 'deleting', 'deleted', 'timeout']);

/**
 * Defines the Jest tests every InstanceGroup implementation must pass: state reporting,
 * increase, exact and partially failing decrease, connect info, external removal, shutdown.
 */
export function defineInstanceGroupContract(
  name: string,
  makeSubject: () => Promise<ContractSubject>,
  options: ContractOptions = {},
): void {
  const maxAdvances = options.maxAdvances ?? 50;
  const timeoutMs = options.testTimeoutMs ?? 30_000;
  const unknownId = options.unknownInstanceId ?? 'i-0fffffffffffffffe';

  describe(`instance group contract: ${name}`, () => {
    let subject: ContractSubject;
    let group: InstanceGroup;

    beforeEach(async () => {
      subject = await makeSubject();
      group = subject.provider;
      await group.init();
    }, timeoutMs);

    afterEach(async () => {
      await subject.cleanup();
    }, timeoutMs);

    /** Polls until `done` holds for the group's members; fails after `maxAdvances` rounds. */
    async function until(
      what: string,
      done: (members: readonly InstanceState[]) => boolean,
    ): Promise<readonly InstanceState[]> {
      let members = await group.update();
      for (let round = 0; !done(members); round += 1) {
        if (round >= maxAdvances) {
          throw new Error(`gave up waiting for ${what}: ${JSON.stringify(members)}`);
        }
        await subject.advance();
        members = await group.update();
      }
      return members;
    }

    async function runningGroupOf(count: number): Promise<string[]> {
      const result = await group.increase(count);
      expect(result).toEqual({ requested: count });
      const members = await until(`${count} running`, found => {
        for (const member of found) {
          expect(['creating', 'running']).toContain(member.state);
        }
        return found.length === count && found.every(member => member.state === 'running');
      });
      return members.map(member => member.id);
    }

    it(
      'describes itself on init',
      async () => {
        const info = await group.init();
        expect(info.id).toEqual(expect.any(String));
        expect(info.id).not.toBe('');
        expect(Number.isInteger(info.maxSize) && info.maxSize >= 1).toBe(true);
        expect(info.version).toEqual(expect.any(String));
        expect(Array.isArray(info.capabilities)).toBe(true);
      },
      timeoutMs,
    );

    it(
      'reports a fresh group as empty',
      async () => {
        const members = await group.update();
        expect(members).toEqual([]);
      },
      timeoutMs,
    );

    it(
      'brings increased instances from creating to running',
      async () => {
        const ids = await runningGroupOf(2);
        expect(new Set(ids).size).toBe(2);
        for (const member of await group.update()) {
          expect(STATES.has(member.state)).toBe(true);
        }
      },
      timeoutMs,
    );

    it(
      'refuses a delta below one',
      async () => {
        await expect(group.increase(0)).rejects.toMatchObject({ code: 'invalid_argument' });
        expect(await group.update()).toEqual([]);
      },
      timeoutMs,
    );

    it(
      'never grows past the group size limit and says so',
      async () => {
        const limit = subject.groupMaxSize;
        const result = await group.increase(limit + 1);
        expect(result.requested).toBeLessThan(limit + 1);
        expect(result.error?.code).toBe('capacity_exceeded');
        for (let round = 0; round < 3; round += 1) {
          await subject.advance();
          const members = await group.update();
          expect(members.length).toBeLessThanOrEqual(limit);
          expect(members.length).toBe(result.requested);
        }
      },
      timeoutMs,
    );

    it(
      'removes exactly the instances named, with an unknown id failing on its own',
      async () => {
        const [doomed = '', kept = ''] = await runningGroupOf(2);
        const result = await group.decrease([doomed, unknownId]);
        expect(result.succeeded).toEqual([doomed]);
        expect(result.failed).toHaveLength(1);
        expect(result.failed[0]?.id).toBe(unknownId);
        expect(FleetingError.is(result.failed[0]?.error)).toBe(true);
        expect(result.failed[0]?.error.code).toBe('instance_not_found');
        const members = await until('the removed instance to be gone', found =>
          found.every(member => member.id !== doomed),
        );
        expect(members).toEqual([expect.objectContaining({ id: kept, state: 'running' })]);
      },
      timeoutMs,
    );

    it(
      'changes nothing on an empty decrease',
      async () => {
        const ids = await runningGroupOf(1);
        expect(await group.decrease([])).toEqual({ succeeded: [], failed: [] });
        await subject.advance();
        expect((await group.update()).map(member => member.id)).toEqual(ids);
      },
      timeoutMs,
    );

    it(
      'gives connect info for a running instance, and not for an unknown one',
      async () => {
        const [id = ''] = await runningGroupOf(1);
        const info = await group.connectInfo(id);
        expect(info.id).toBe(id);
        expect(info.internalAddr).not.toBe('');
        expect(Number.isInteger(info.protocolPort)).toBe(true);
        expect(info.protocolPort).toBeGreaterThan(0);
        expect(info.protocolPort).toBeLessThan(65_536);
        expect(info.username).not.toBe('');
        expect(info.key !== undefined || info.password !== undefined).toBe(true);
        await subject.checkReachable?.(info);
        const missing = await group.connectInfo(unknownId).then(
          () => undefined,
          (error: unknown) => error,
        );
        expect(FleetingError.is(missing)).toBe(true);
        expect(missing).toMatchObject({ code: 'instance_not_found' });
      },
      timeoutMs,
    );

    it(
      'answers a heartbeat for a running instance',
      async () => {
        const [id = ''] = await runningGroupOf(1);
        await expect(group.heartbeat(id)).resolves.toBeUndefined();
      },
      timeoutMs,
    );

    it(
      'stops listing an instance removed behind its back',
      async () => {
        const [gone = '', kept = ''] = await runningGroupOf(2);
        await subject.removeExternally(gone);
        const members = await until('the external removal to show', found =>
          found.every(member => member.id !== gone),
        );
        expect(members.map(member => member.id)).toContain(kept);
      },
      timeoutMs,
    );

    if (options.strays === true) {
      it(
        'lists a member detached behind its back as a stray and ends strays only',
        async () => {
          if (subject.detachExternally === undefined || !supportsStrays(group)) {
            throw new Error('strays tested without detachExternally or stray_instances');
          }
          expect((await group.init()).capabilities).toContain('stray_instances');
          const [stray = '', kept = ''] = await runningGroupOf(2);
          expect(await group.listStrays()).toEqual([]);
          await subject.detachExternally(stray);
          await until('the detached instance to leave the group', found =>
            found.every(member => member.id !== stray),
          );
          const listed = await group.listStrays();
          expect(listed.map(s => s.id)).toEqual([stray]);
          const result = await group.removeStrays([stray, kept, unknownId]);
          expect(result.succeeded).toEqual([stray]);
          expect(result.failed.map(f => [f.id, f.error.code])).toEqual([
            [kept, 'instance_not_found'],
            [unknownId, 'instance_not_found'],
          ]);
          let left = await group.listStrays();
          for (let round = 0; left.length > 0 && round < maxAdvances; round += 1) {
            await subject.advance();
            left = await group.listStrays();
          }
          expect(left).toEqual([]);
          const members = await group.update();
          expect(members).toEqual([expect.objectContaining({ id: kept, state: 'running' })]);
        },
        timeoutMs,
      );
    }

    it(
      'shuts down idempotently and refuses calls afterwards',
      async () => {
        await group.shutdown();
        await group.shutdown();
        await expect(group.update()).rejects.toMatchObject({ code: 'shut_down' });
      },
      timeoutMs,
    );
  });
}
