import { StopSignalTracker } from './repeat-signal';

describe('StopSignalTracker', () => {
  let nowMs = 0;
  const tracker = (): StopSignalTracker => new StopSignalTracker(() => nowMs, 1000);

  beforeEach(() => {
    nowMs = 10_000;
  });

  it('treats a repeat of the same signal within the window as the same stop', () => {
    const t = tracker();
    expect(t.meaningOf('SIGINT')).toBe('stop');
    nowMs += 50;
    expect(t.meaningOf('SIGINT')).toBe('same-stop');
    nowMs += 900;
    expect(t.meaningOf('SIGINT')).toBe('same-stop');
  });

  it('treats the same signal after the window as exit now', () => {
    const t = tracker();
    expect(t.meaningOf('SIGINT')).toBe('stop');
    nowMs += 1000;
    expect(t.meaningOf('SIGINT')).toBe('exit-now');
  });

  it('treats a different signal as exit now, even at once', () => {
    const t = tracker();
    expect(t.meaningOf('SIGTERM')).toBe('stop');
    expect(t.meaningOf('SIGINT')).toBe('exit-now');
  });
});
