import { isMap } from './deep-merge';
import type { ConfigProblems } from './errors';
import { unknownKeys, asText } from './shape';
import type { EnvironmentSpec } from './types';

const environmentKeys = [
  'name',
  'url',
  'action',
  'on_stop',
  'auto_stop_in',
  'kubernetes',
  'deployment_tier',
];
const actions = ['start', 'prepare', 'stop', 'verify', 'access'];
const tiers = ['production', 'staging', 'testing', 'development', 'other'];

/** Reads `environment:` (a name or a hash); the server records it, the runner only sees variables. */
export function normalizeEnvironment(
  value: unknown,
  location: string,
  problems: ConfigProblems,
): EnvironmentSpec | undefined {
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value === 'string') {
    return { name: value, action: 'start' };
  }
  if (!isMap(value)) {
    problems.add(`${location} config should be a hash or a string`);
    return undefined;
  }
  const unknown = unknownKeys(value, environmentKeys);
  if (unknown.length > 0) {
    problems.add(`${location} config contains unknown keys: ${unknown.join(', ')}`);
  }
  if (typeof value.name !== 'string' || value.name === '') {
    problems.add(`${location} name can't be blank`);
    return undefined;
  }
  const action = value.action === undefined ? 'start' : asText(value.action);
  if (!actions.includes(action)) {
    problems.add(`${location} action should be start, stop, prepare, verify, or access`);
  }
  const tier = value.deployment_tier === undefined ? undefined : asText(value.deployment_tier);
  if (tier !== undefined && !tiers.includes(tier)) {
    problems.add(`${location} deployment tier must be one of ${tiers.join(', ')}`);
  }
  const spec: EnvironmentSpec = { name: value.name, action: action as EnvironmentSpec['action'] };
  return {
    ...spec,
    ...(typeof value.url === 'string' ? { url: value.url } : {}),
    ...(tier === undefined ? {} : { deploymentTier: tier }),
  };
}
