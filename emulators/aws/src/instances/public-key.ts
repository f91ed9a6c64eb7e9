const keyTypes = [
  'ssh-ed25519',
  'ssh-rsa',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
];

/**
 * Whether `line` is one bare OpenSSH public key (`type base64 [comment]`): no options such as
 * `command=` and no line breaks, so it cannot change what other lines of an authorized_keys
 * file mean.
 */
export function isOpenSshPublicKey(line: string): boolean {
  if (/[\r\n\0]/.test(line)) {
    return false;
  }
  const [type, body] = line.trim().split(/\s+/);
  return (
    type !== undefined &&
    keyTypes.includes(type) &&
    body !== undefined &&
    /^[A-Za-z0-9+/]+={0,3}$/.test(body)
  );
}
