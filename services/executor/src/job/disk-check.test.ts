import { parseDfUsePercent } from './disk-check';

describe('parseDfUsePercent', () => {
  it('reads the capacity column of the last line', () => {
    const out = [
      'Filesystem     1024-blocks     Used Available Capacity Mounted on',
      '/dev/nvme0n1p1    20959212 18234112   2725100      88% /',
      '',
    ].join('\n');
    expect(parseDfUsePercent(out)).toBe(88);
  });

  it('gives undefined for output it cannot read', () => {
    expect(parseDfUsePercent('')).toBeUndefined();
    expect(parseDfUsePercent('Filesystem 1024-blocks Used\n/dev/x 1 2 3 - /')).toBeUndefined();
  });
});
