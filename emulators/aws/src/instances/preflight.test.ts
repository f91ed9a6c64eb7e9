import { checkHostSupport, defaultHostTools } from './preflight';

describe('checkHostSupport', () => {
  it('refuses to run instances without root', async () => {
    jest.spyOn(process, 'getuid').mockReturnValue(1000);
    await expect(checkHostSupport(defaultHostTools)).rejects.toMatchObject({
      code: 'not_root',
      retryable: false,
    });
  });

  it('names a missing program', async () => {
    jest.spyOn(process, 'getuid').mockReturnValue(0);
    const tools = { ...defaultHostTools, sshdPath: '/nonexistent/sbin/sshd' };
    await expect(checkHostSupport(tools)).rejects.toMatchObject({
      code: 'sshd_not_found',
      message: expect.stringContaining('/nonexistent/sbin/sshd'),
    });
  });
});
