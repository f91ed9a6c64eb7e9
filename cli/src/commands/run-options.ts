import { InvalidArgumentError } from 'commander';

import type { ServiceRole } from '../wiring/services';
import { serviceRoles } from '../wiring/services';

/** What `taskfleet run` was asked to do. */
export interface RunOptions {
  readonly role: ServiceRole;
  readonly configPath: string;
}

/** Parses the `run` role argument; commander shows the message on a bad one. */
export function parseRole(value: string): ServiceRole {
  const role = serviceRoles.find(r => r === value);
  if (role === undefined) {
    throw new InvalidArgumentError(`expected one of ${serviceRoles.join(', ')}`);
  }
  return role;
}
