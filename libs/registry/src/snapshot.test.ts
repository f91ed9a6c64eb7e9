import { buildSnapshot, pairs, parseInstance } from './snapshot';

const instanceRow = (
  id: string,
  fields: Record<string, string>,
  slots: Record<string, string> = {},
) => [
  id,
  Object.entries(fields).flat(),
  Object.keys(slots).length === 0 ? {} : Object.entries(slots).flat(),
];

const base = {
  capacity: '2',
  useCount: '0',
  maxUseCount: '0',
  createdAtMs: '1',
  stateChangedAtMs: '1',
};

describe('pairs', () => {
  it("reads a flat HGETALL reply and treats cjson's empty object as no fields", () => {
    expect([...pairs(['a', '1', 'b', '2'])]).toEqual([
      ['a', '1'],
      ['b', '2'],
    ]);
    expect(pairs({}).size).toBe(0);
  });
});

describe('parseInstance', () => {
  it('counts idle time from the later of ready and last job end', () => {
    const fields = pairs(
      Object.entries({ ...base, state: 'ready', claimed: '0', readyAtMs: '100' }).flat(),
    );
    expect(parseInstance('i-1', fields, new Map()).idleSinceMs).toBe(100);
    fields.set('lastJobEndedAtMs', '250');
    expect(parseInstance('i-1', fields, new Map()).idleSinceMs).toBe(250);
    fields.delete('readyAtMs');
    expect(parseInstance('i-1', fields, new Map()).idleSinceMs).toBeUndefined();
  });
});

describe('buildSnapshot', () => {
  it('splits free slots into idle-ready, unavailable and upcoming, and counts states', () => {
    const rows = [
      instanceRow(
        'i-ready',
        { ...base, state: 'ready', claimed: '1', readyAtMs: '5' },
        { '0': 'j1' },
      ),
      instanceRow('i-retired', {
        ...base,
        state: 'retired',
        claimed: '1',
        useCount: '2',
        maxUseCount: '2',
      }),
      instanceRow('i-unhealthy', { ...base, state: 'unhealthy', claimed: '0' }),
      instanceRow('i-booting', { ...base, state: 'booting', claimed: '0' }),
      instanceRow('i-full', { ...base, state: 'ready', claimed: '2' }),
    ];
    const snapshot = buildSnapshot({
      atMs: 10,
      instancesJson: JSON.stringify(rows),
      reservedSlots: 3,
      pendingJobs: 1,
      claimedSlots: 4,
      terminations: ['i-x', JSON.stringify({ recordedAtMs: '7', reason: 'idle' })],
    });
    expect(snapshot.idleReadySlots).toBe(1);
    expect(snapshot.unavailableSlots).toBe(3);
    expect(snapshot.upcomingSlots).toBe(2);
    expect(snapshot.instancesByState).toMatchObject({
      ready: 2,
      retired: 1,
      unhealthy: 1,
      booting: 1,
      draining: 0,
    });
    expect(snapshot.instances.map(i => i.instanceId)).toEqual([
      'i-booting',
      'i-full',
      'i-ready',
      'i-retired',
      'i-unhealthy',
    ]);
    expect(snapshot.instances.find(i => i.instanceId === 'i-ready')?.slots.get(0)).toBe('j1');
    expect(snapshot.terminationIntents).toEqual([
      { instanceId: 'i-x', recordedAtMs: 7, reason: 'idle', sentAtMs: undefined, attempts: 0 },
    ]);
  });

  it('reads an empty registry (cjson encodes the empty list as {})', () => {
    const snapshot = buildSnapshot({
      atMs: 1,
      instancesJson: '{}',
      reservedSlots: 0,
      pendingJobs: 0,
      claimedSlots: 0,
      terminations: {},
    });
    expect(snapshot.instances).toEqual([]);
    expect(snapshot.terminationIntents).toEqual([]);
  });
});
