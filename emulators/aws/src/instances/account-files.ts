/** The instance's login account, as it appears in its private /etc/passwd and /etc/group. */
export interface InstanceAccount {
  readonly name: string;
  readonly uid: number;
  readonly homeDir: string;
  readonly shell: string;
}

function withoutName(file: string, name: string): string[] {
  return file
    .split('\n')
    .filter(line => line !== '' && line.split(':')[0] !== name)
    .map(line => `${line}\n`);
}

/**
 * Adds the account to a copy of the host's passwd file, replacing any entry of the same name so
 * that lookups inside the instance find the instance's own uid.
 */
export function renderPasswd(hostPasswd: string, account: InstanceAccount): string {
  // '*' is no password hash at all, yet not the '!' prefix sshd treats as a locked account.
  const entry = `${account.name}:*:${account.uid}:${account.uid}:${account.name}:${account.homeDir}:${account.shell}\n`;
  return withoutName(hostPasswd, account.name).join('') + entry;
}

/** Adds the account's primary group to a copy of the host's group file. */
export function renderGroup(hostGroup: string, account: InstanceAccount): string {
  return withoutName(hostGroup, account.name).join('') + `${account.name}:x:${account.uid}:\n`;
}

/** The uid of `name` in a passwd file, or undefined when it has no entry. */
export function uidOf(passwd: string, name: string): number | undefined {
  for (const line of passwd.split('\n')) {
    const fields = line.split(':');
    if (fields[0] === name && fields[2] !== undefined) {
      return Number(fields[2]);
    }
  }
  return undefined;
}
