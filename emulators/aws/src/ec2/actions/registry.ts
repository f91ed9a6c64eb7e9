import type { QueryHandler } from '../../protocol/handler';
import { describeInstances } from './describe-instances';
import { createKeyPair, describeKeyPairs, importKeyPair } from './key-pair-actions';
import { createLaunchTemplate, describeLaunchTemplates } from './launch-template-actions';
import { terminateInstances } from './terminate-instances';

/** Every EC2 action the emulator implements, by Action name. */
export const ec2Actions: ReadonlyMap<string, QueryHandler> = new Map([
  ['CreateLaunchTemplate', createLaunchTemplate],
  ['DescribeLaunchTemplates', describeLaunchTemplates],
  ['CreateKeyPair', createKeyPair],
  ['ImportKeyPair', importKeyPair],
  ['DescribeKeyPairs', describeKeyPairs],
  ['DescribeInstances', describeInstances],
  ['TerminateInstances', terminateInstances],
]);
