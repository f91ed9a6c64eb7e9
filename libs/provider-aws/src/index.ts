export { AwsInstanceGroup, providerAwsVersion } from './instance-group';
export type { GroupCapacity } from './instance-group';
export type {
  AwsClientOverrides,
  AwsConnectorSettings,
  AwsProviderSettings,
  ResolvedAwsSettings,
} from './settings';
export { resolveSettings } from './settings';
export type { GroupSetup } from './group-setup';
export { groupSetupOf } from './group-setup';
export { classifyAwsError } from './classify-aws-error';
export type { ClassifyContext } from './classify-aws-error';
export { instanceArchOf, instanceOsOf, instanceStatusOf } from './state-mapping';
export { planIncrease } from './increase';
export type { IncreasePlan } from './increase';
export { PUSHED_KEY_LIFETIME_MS } from './connect-info';
export { OWNER_TAG_KEYS, factsOf } from './inspect-instances';
export type { OwnerTags } from './inspect-instances';
export { checkGroup, checkGroupWith } from './group-check';
export type { GroupCheck, GroupProblem, GroupProblemCode } from './group-check';

/** The plugin names GitLab users write for this provider. */
export const providerAwsName = 'aws';
export { DESCRIBE_NAMES_PER_CALL, SharedGroupDescriber } from './shared-describer';
export type { SharedGroupDescriberOptions } from './shared-describer';
export { ApiBackoff } from './api-backoff';
export type { ApiBackoffOptions } from './api-backoff';
export { SqsInterruptionQueue } from './interruption-queue';
export type { SqsInterruptionQueueOptions } from './interruption-queue';
export { parseInterruptionEvent } from './interruption-event';
export type { ParsedInterruption } from './interruption-event';
export { SharedStrayFinder } from './shared-stray-finder';
export type { SharedStrayFinderOptions } from './shared-stray-finder';
export { GROUP_NAME_TAG, LIVE_STATES, isStrayOf } from './strays';
export { awsConnectTimeoutMs, awsRequestTimeoutMs } from './request-timeouts';
