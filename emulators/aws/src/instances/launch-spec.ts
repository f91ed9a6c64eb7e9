import { uidOf } from './account-files';
import { InstanceHostError } from './errors';
import type { InstanceLaunchSpec } from './instance-host';
import { isOpenSshPublicKey } from './public-key';

const instanceIdPattern = /^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/;
const osUserPattern = /^[a-z_][a-z0-9_-]{0,31}$/;

/** Throws one invalid_spec error listing every problem of a launch spec. */
export function validateLaunchSpec(spec: InstanceLaunchSpec, hostPasswd: string): void {
  const problems: string[] = [];
  if (!instanceIdPattern.test(spec.instanceId)) {
    problems.push('instanceId must be letters, digits and dashes');
  }
  if (!osUserPattern.test(spec.osUser)) {
    problems.push('osUser must be a lower-case POSIX user name');
  }
  const existingUid = uidOf(hostPasswd, spec.osUser);
  // Shadowing root, sshd or another system account inside the instance would break it.
  if (existingUid !== undefined && existingUid < 1000) {
    problems.push(`osUser ${spec.osUser} is a system account`);
  }
  if (!Number.isInteger(spec.sshPort) || spec.sshPort < 1 || spec.sshPort > 65_535) {
    problems.push('sshPort must be an integer from 1 to 65535');
  }
  if (!spec.authorizedKeys.every(isOpenSshPublicKey)) {
    problems.push('authorizedKeys must be OpenSSH public keys');
  }
  if (problems.length > 0) {
    throw new InstanceHostError(
      'invalid_spec',
      `could not launch instance: ${problems.join('; ')}`,
    );
  }
}
