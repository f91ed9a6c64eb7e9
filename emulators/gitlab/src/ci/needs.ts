import { isMap } from './deep-merge';
import type { ConfigProblems } from './errors';
import { scalarText, unknownKeys } from './shape';
import type { NeedSpec } from './types';

// GitLab's default `ci_max_needs` limit.
const maxNeeds = 50;

function matrixSelections(value: unknown): Record<string, string>[] | undefined {
  if (!isMap(value) || !Array.isArray(value.matrix)) {
    return undefined;
  }
  const selections: Record<string, string>[] = [];
  for (const entry of value.matrix as unknown[]) {
    if (!isMap(entry)) {
      return undefined;
    }
    const selection: Record<string, string> = {};
    for (const [key, raw] of Object.entries(entry)) {
      const text = scalarText(raw);
      if (text === undefined) {
        return undefined;
      }
      selection[key] = text;
    }
    selections.push(selection);
  }
  return selections;
}

function normalizeNeed(
  value: unknown,
  location: string,
  problems: ConfigProblems,
): NeedSpec | undefined {
  if (typeof value === 'string') {
    return { job: value, artifacts: true, optional: false };
  }
  if (!isMap(value)) {
    problems.add(`${location} config should be a string or a hash`);
    return undefined;
  }
  if (value.pipeline !== undefined || value.project !== undefined) {
    // TODO(when-a-test-needs-it): cross-pipeline and cross-project needs are not modelled by the emulator.
    problems.add(
      `${location} config uses needs:pipeline or needs:project, which the emulator does not support`,
    );
    return undefined;
  }
  const unknown = unknownKeys(value, ['job', 'artifacts', 'optional', 'parallel']);
  if (unknown.length > 0) {
    problems.add(`${location} config contains unknown keys: ${unknown.join(', ')}`);
  }
  if (typeof value.job !== 'string') {
    problems.add(`${location} job config can't be blank`);
    return undefined;
  }
  for (const key of ['artifacts', 'optional'] as const) {
    if (value[key] !== undefined && typeof value[key] !== 'boolean') {
      problems.add(`${location} ${key} should be a boolean value`);
    }
  }
  const need: NeedSpec = {
    job: value.job,
    artifacts: value.artifacts !== false,
    optional: value.optional === true,
  };
  if (value.parallel === undefined) {
    return need;
  }
  const matrix = matrixSelections(value.parallel);
  if (!matrix) {
    problems.add(`${location}:parallel config should contain a matrix of hashes`);
    return need;
  }
  return { ...need, matrix };
}

/** Reads `needs:` (a list of job names or `{job, artifacts, optional, parallel}` hashes). */
export function normalizeNeeds(
  value: unknown,
  location: string,
  problems: ConfigProblems,
): NeedSpec[] | undefined {
  if (value === undefined || value === null) {
    return undefined;
  }
  if (!Array.isArray(value)) {
    problems.add(`${location} config can only be a hash or an array`);
    return undefined;
  }
  if (value.length > maxNeeds) {
    problems.add(`${location} config has too many entries (maximum ${maxNeeds})`);
  }
  const needs = (value as unknown[])
    .map(item => normalizeNeed(item, `${location}:need`, problems))
    .filter((need): need is NeedSpec => need !== undefined);
  const names = needs.map(need =>
    need.matrix ? `${need.job}:${JSON.stringify(need.matrix)}` : need.job,
  );
  const duplicated = [...new Set(names.filter((name, index) => names.indexOf(name) !== index))];
  if (duplicated.length > 0) {
    problems.add(
      `${location.replace(/:needs$/, '')} has the following needs duplicated: ${duplicated.join(', ')}.`,
    );
  }
  return needs;
}
