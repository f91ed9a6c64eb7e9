import { FleetingError, isRetryableCode } from './errors';

describe('FleetingError', () => {
  const error = new FleetingError('throttled', 'could not describe the group', {
    instanceId: 'i-1',
    cause: new Error('Rate exceeded'),
  });

  it('keeps code, verdict, instance and cause', () => {
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('FleetingError');
    expect(error.code).toBe('throttled');
    expect(error.retryable).toBe(true);
    expect(error.instanceId).toBe('i-1');
    expect((error.cause as Error).message).toBe('Rate exceeded');
  });

  it('lets the thrower override the verdict', () => {
    expect(new FleetingError('throttled', 'x', { retryable: false }).retryable).toBe(false);
    expect(isRetryableCode('auth_failed')).toBe(false);
    expect(isRetryableCode('connection_lost')).toBe(true);
  });

  it('recognises instances, JSON copies and structured clones of toJSON()', () => {
    expect(FleetingError.is(error)).toBe(true);
    const overJson: unknown = JSON.parse(JSON.stringify(error));
    expect(FleetingError.is(overJson)).toBe(true);
    expect(overJson).toEqual({
      name: 'FleetingError',
      code: 'throttled',
      message: 'could not describe the group',
      retryable: true,
      instanceId: 'i-1',
    });
    expect(FleetingError.is(structuredClone(error.toJSON()))).toBe(true);
  });

  it('recognises a copy from another instance of the package by its brand', () => {
    const foreign = Object.create(null) as Record<symbol, unknown>;
    foreign[Symbol.for('taskfleet.fleeting.error')] = true;
    expect(FleetingError.is(foreign)).toBe(true);
  });

  it('does not recognise look-alikes or a V8 structured clone of the Error itself', () => {
    expect(FleetingError.is({ name: 'FleetingError', code: 'no_such_code' })).toBe(false);
    expect(FleetingError.is(new Error('x'))).toBe(false);
    expect(FleetingError.is(null)).toBe(false);
    expect(FleetingError.is('FleetingError')).toBe(false);
    // V8 keeps only message, stack and cause of a cloned Error: send toJSON() instead.
    expect(FleetingError.is(structuredClone(error))).toBe(false);
  });
});
