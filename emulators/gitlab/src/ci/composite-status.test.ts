import { compositeStatus, hasWarnings, type StatusEntry } from './composite-status';
import type { JobStatus } from './types';

const entries = (spec: string): StatusEntry[] =>
  spec.split(' ').map(item => {
    const allowFailure = item.endsWith('!');
    return { status: item.replace('!', '') as JobStatus, allowFailure };
  });

describe('compositeStatus', () => {
  it.each([
    ['success success', 'success'],
    ['success failed!', 'success'],
    ['success manual!', 'success'],
    ['skipped', 'skipped'],
    ['skipped manual!', 'skipped'],
    ['success skipped', 'success'],
    ['created created', 'created'],
    ['pending created', 'pending'],
    ['running created', 'running'],
    ['success created', 'running'],
    ['success pending', 'running'],
    ['success failed', 'failed'],
    ['failed skipped', 'failed'],
    ['success canceled', 'canceled'],
    ['failed canceled', 'failed'],
    ['success manual', 'manual'],
    ['success manual created', 'manual'],
    ['success scheduled', 'scheduled'],
    ['success waiting_for_resource', 'waiting_for_resource'],
    ['running manual', 'running'],
  ])('%s is %s', (spec, expected) => {
    expect(compositeStatus(entries(spec))).toBe(expected);
  });

  it.each([
    ['success', 'success'],
    ['success skipped', 'skipped'],
    ['success manual!', 'skipped'],
    ['failed', 'failed'],
    ['failed!', 'success'],
  ])('in DAG mode %s is %s', (spec, expected) => {
    expect(compositeStatus(entries(spec), true)).toBe(expected);
  });

  it('is undefined for no jobs', () => {
    expect(compositeStatus([])).toBeUndefined();
  });

  it('notes warnings only for allowed failures', () => {
    expect(hasWarnings(entries('success failed!'))).toBe(true);
    expect(hasWarnings(entries('success manual!'))).toBe(false);
  });
});
