import { emulatorAwsVersion } from '@taskfleet/emulator-aws';
import { emulatorGitlabVersion } from '@taskfleet/emulator-gitlab';

console.log(JSON.stringify({ aws: emulatorAwsVersion, gitlab: emulatorGitlabVersion }));
