import { OutputLimiter, outputLimitMarker } from './output-limit';

describe('OutputLimiter', () => {
  it('passes bytes up to the limit, then the marker once, then drops and counts', () => {
    const limiter = new OutputLimiter(10);
    expect(limiter.accept(Buffer.from('12345'))).toEqual({
      keep: Buffer.from('12345'),
      marker: undefined,
    });
    const crossing = limiter.accept(Buffer.from('6789abc'));
    expect(crossing.keep?.toString()).toBe('67890'.slice(0, 4) + 'a');
    expect(crossing.marker).toEqual(outputLimitMarker(10));
    expect(limiter.accept(Buffer.from('more'))).toEqual({ keep: undefined, marker: undefined });
    expect(limiter.limitReached).toBe(true);
    expect(limiter.droppedBytes).toBe(2 + 4);
  });

  it('never cuts a UTF-8 character in half', () => {
    const limiter = new OutputLimiter(4);
    const { keep } = limiter.accept(Buffer.from('abcé'));
    expect(keep?.toString()).toBe('abc');
  });

  it('writes one line in GitLab Runner wording', () => {
    const marker = outputLimitMarker(4194304).toString();
    expect(marker).toContain("Job's log exceeded limit of 4194304 bytes.");
    expect(marker).toContain('Job execution will continue but no more output will be collected.');
    expect(marker.trim().split('\n')).toHaveLength(1);
  });
});
