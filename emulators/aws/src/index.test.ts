import { emulatorAwsVersion } from './index';

describe('emulator-aws', () => {
  it('has a version', () => {
    expect(emulatorAwsVersion).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
