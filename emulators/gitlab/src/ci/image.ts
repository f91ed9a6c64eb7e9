import { isMap } from './deep-merge';
import type { ConfigProblems } from './errors';
import { isStringArray, scalarText, stringOrList, unknownKeys, asText } from './shape';
import type { ImageSpec } from './types';

const imageKeys = ['name', 'entrypoint', 'pull_policy', 'docker', 'kubernetes', 'ports'];
const serviceKeys = [...imageKeys, 'alias', 'command', 'variables'];
const pullPolicies = ['always', 'if-not-present', 'never'];

function dockerOptions(
  value: unknown,
  location: string,
  problems: ConfigProblems,
): ImageSpec['executor_opts'] {
  if (value === undefined) {
    return undefined;
  }
  // The runner fails a job whose executor_opts hold other keys, so only these two pass.
  if (!isMap(value) || unknownKeys(value, ['platform', 'user']).length > 0) {
    problems.add(`${location}:docker config contains unknown keys (allowed: platform, user)`);
    return undefined;
  }
  const docker: { platform?: string; user?: string } = {};
  if (value.platform !== undefined) {
    docker.platform = asText(value.platform);
  }
  if (value.user !== undefined) {
    docker.user = asText(value.user);
  }
  return { docker };
}

function normalizeEntry(
  value: unknown,
  location: string,
  allowed: readonly string[],
  problems: ConfigProblems,
): ImageSpec | undefined {
  if (typeof value === 'string') {
    return { name: value };
  }
  if (!isMap(value)) {
    problems.add(`${location} config should be a hash or a string`);
    return undefined;
  }
  const unknown = unknownKeys(value, allowed);
  if (unknown.length > 0) {
    problems.add(`${location} config contains unknown keys: ${unknown.join(', ')}`);
  }
  if (typeof value.name !== 'string') {
    problems.add(`${location} name can't be blank`);
    return undefined;
  }
  const spec: { -readonly [K in keyof ImageSpec]: ImageSpec[K] } = { name: value.name };
  if (value.entrypoint !== undefined) {
    if (isStringArray(value.entrypoint)) {
      spec.entrypoint = value.entrypoint;
    } else {
      problems.add(`${location} entrypoint config should be an array of strings`);
    }
  }
  if (value.command !== undefined) {
    if (isStringArray(value.command)) {
      spec.command = value.command;
    } else {
      problems.add(`${location} command config should be an array of strings`);
    }
  }
  if (value.alias !== undefined) {
    spec.alias = asText(value.alias);
  }
  if (value.pull_policy !== undefined) {
    const list = stringOrList(value.pull_policy);
    if (list?.every(policy => pullPolicies.includes(policy))) {
      spec.pull_policy = list;
    } else {
      problems.add(`${location}:pull_policy config contains unknown values`);
    }
  }
  if (isMap(value.variables)) {
    spec.variables = Object.entries(value.variables).map(([key, item]) => ({
      key,
      value: scalarText(item) ?? '',
      public: true,
    }));
  }
  if (Array.isArray(value.ports)) {
    spec.ports = value.ports.map((port: unknown) =>
      isMap(port) ? (port as { number?: number }) : { number: Number(port) },
    );
  }
  const docker = dockerOptions(value.docker, location, problems);
  if (docker) {
    spec.executor_opts = docker;
  }
  return spec;
}

/** Reads `image:` (a name or a hash); for a shell runner it is carried into the payload only. */
export function normalizeImage(
  value: unknown,
  location: string,
  problems: ConfigProblems,
): ImageSpec | undefined {
  return value === undefined || value === null
    ? undefined
    : normalizeEntry(value, location, imageKeys, problems);
}

/** Reads `services:` (a list of names or hashes). */
export function normalizeServices(
  value: unknown,
  location: string,
  problems: ConfigProblems,
): ImageSpec[] {
  if (value === undefined || value === null) {
    return [];
  }
  if (!Array.isArray(value)) {
    problems.add(`${location} config should be a array`);
    return [];
  }
  return value
    .map((item: unknown, index) =>
      normalizeEntry(item, `${location}:service[${index}]`, serviceKeys, problems),
    )
    .filter((item): item is ImageSpec => item !== undefined);
}
