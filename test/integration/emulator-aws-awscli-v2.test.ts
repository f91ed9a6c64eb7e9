// Issue #2 "done when": awscli v2 (Debian `/usr/bin/aws` 2.9.x) parses every implemented action against the emulator.
// v1 and v2 live in separate files because each invocation costs about a second of Python
// start-up, and one file running both would take close to a minute.
import { startAwsEmulator } from '@taskfleet/emulator-aws';

import { describeAwsCliConformance } from './support/awscli-conformance';

describeAwsCliConformance('awscli v2 against the AWS emulator', 'v2', async () =>
  // No instance host: instances exist only in the model, so this needs no root and no sshd.
  startAwsEmulator({ defaultBootDelayMs: 300, shutdownDelayMs: 100 }),
);
