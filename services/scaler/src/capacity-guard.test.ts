import { CapacityGuard } from './capacity-guard';

describe('CapacityGuard', () => {
  it('allows decrements only while desired capacity stays at or above the busy instances', () => {
    const guard = new CapacityGuard(3, 1);
    expect(guard.mayDecrement()).toBe(true);
    guard.decremented();
    expect(guard.mayDecrement()).toBe(true);
    guard.decremented();
    // Desired 1 with one busy instance: a further decrement would go below the claimed count.
    expect(guard.mayDecrement()).toBe(false);
  });

  it('refuses at once when desired capacity already drifted below the busy instances', () => {
    expect(new CapacityGuard(1, 2).mayDecrement()).toBe(false);
    expect(new CapacityGuard(0, 0).mayDecrement()).toBe(false);
  });

  it('leaves the decision to the registry when the provider reports no desired capacity', () => {
    const guard = new CapacityGuard(undefined, 5);
    guard.decremented();
    expect(guard.mayDecrement()).toBe(true);
  });

  it('allows an increase only up to the cap over the desired capacity the cloud holds (B38)', () => {
    const guard = new CapacityGuard(3, 0);
    expect(guard.increaseHeadroom(3)).toBe(0);
    expect(guard.increaseHeadroom(5)).toBe(2);
    guard.decremented();
    expect(guard.increaseHeadroom(3)).toBe(1);
    expect(new CapacityGuard(6, 0).increaseHeadroom(3)).toBe(0);
    expect(new CapacityGuard(undefined, 0).increaseHeadroom(3)).toBe(Infinity);
  });
});
