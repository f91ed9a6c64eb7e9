import { renderGroup, renderPasswd, uidOf } from './account-files';

const account = { name: 'ec2-user', uid: 424242, homeDir: '/home/ec2-user', shell: '/bin/bash' };

describe('account files', () => {
  it('appends the instance user and keeps the host accounts', () => {
    const passwd = renderPasswd(
      'root:x:0:0:root:/root:/bin/bash\nsshd:x:108:65534::/run/sshd:/usr/sbin/nologin\n',
      account,
    );
    expect(passwd.split('\n')).toEqual([
      'root:x:0:0:root:/root:/bin/bash',
      'sshd:x:108:65534::/run/sshd:/usr/sbin/nologin',
      'ec2-user:*:424242:424242:ec2-user:/home/ec2-user:/bin/bash',
      '',
    ]);
    expect(uidOf(passwd, 'ec2-user')).toBe(424242);
    expect(uidOf(passwd, 'nobody')).toBeUndefined();
  });

  it('replaces a host entry of the same name so lookups find the instance uid', () => {
    const passwd = renderPasswd('ec2-user:x:1000:1000::/home/ec2-user:/bin/sh\n', account);
    expect(uidOf(passwd, 'ec2-user')).toBe(424242);
    expect(passwd.match(/^ec2-user:/gm)).toHaveLength(1);
    const group = renderGroup('root:x:0:\nec2-user:x:1000:\n', account);
    expect(group).toBe('root:x:0:\nec2-user:x:424242:\n');
  });
});
