import { isMap } from './deep-merge';
import type { ConfigProblems } from './errors';
import { parseDurationSeconds } from './durations';
import { isStringArray, stringOrList, unknownKeys, asText } from './shape';
import type { ArtifactEntry } from './types';

const artifactKeys = [
  'paths',
  'exclude',
  'expose_as',
  'name',
  'untracked',
  'when',
  'expire_in',
  'reports',
  'public',
  'access',
];
const artifactWhen = ['on_success', 'on_failure', 'always'] as const;

/** Report types GitLab knows, with the format and file name its runner payload uses for each. */
const reportFormats: Readonly<Record<string, { format: string; fileName: string }>> = {
  junit: { format: 'gzip', fileName: 'junit.xml' },
  metrics: { format: 'gzip', fileName: 'metrics.txt' },
  dotenv: { format: 'gzip', fileName: '.env' },
  cobertura: { format: 'gzip', fileName: 'cobertura-coverage.xml' },
  jacoco: { format: 'gzip', fileName: 'jacoco.xml' },
  lsif: { format: 'zip', fileName: 'lsif.json' },
  cyclonedx: { format: 'gzip', fileName: 'gl-sbom.cdx.json' },
  annotations: { format: 'gzip', fileName: 'gl-annotations.json' },
  repository_xray: { format: 'gzip', fileName: 'gl-repository-xray.json' },
  accessibility: { format: 'raw', fileName: 'gl-accessibility.json' },
  codequality: { format: 'raw', fileName: 'gl-code-quality-report.json' },
  performance: { format: 'raw', fileName: 'performance.json' },
  browser_performance: { format: 'raw', fileName: 'browser-performance.json' },
  load_performance: { format: 'raw', fileName: 'load-performance.json' },
  sast: { format: 'raw', fileName: 'gl-sast-report.json' },
  secret_detection: { format: 'raw', fileName: 'gl-secret-detection-report.json' },
  dependency_scanning: { format: 'raw', fileName: 'gl-dependency-scanning-report.json' },
  container_scanning: { format: 'raw', fileName: 'gl-container-scanning-report.json' },
  cluster_image_scanning: { format: 'raw', fileName: 'gl-cluster-image-scanning-report.json' },
  dast: { format: 'raw', fileName: 'gl-dast-report.json' },
  license_scanning: { format: 'raw', fileName: 'gl-license-scanning-report.json' },
  requirements: { format: 'raw', fileName: 'requirements.json' },
  coverage_fuzzing: { format: 'raw', fileName: 'gl-coverage-fuzzing.json' },
  api_fuzzing: { format: 'raw', fileName: 'gl-api-fuzzing-report.json' },
  terraform: { format: 'raw', fileName: 'tfplan.json' },
};

function reportEntries(
  reports: unknown,
  expireIn: string,
  location: string,
  problems: ConfigProblems,
): ArtifactEntry[] {
  if (!isMap(reports)) {
    problems.add(`${location}:reports config should be a hash`);
    return [];
  }
  const entries: ArtifactEntry[] = [];
  for (const [type, value] of Object.entries(reports)) {
    let artifactType = type;
    let paths = stringOrList(value);
    if (type === 'coverage_report') {
      const format = isMap(value) ? value.coverage_format : undefined;
      const path = isMap(value) ? value.path : undefined;
      if ((format !== 'cobertura' && format !== 'jacoco') || typeof path !== 'string') {
        problems.add(
          `${location}:reports:coverage_report config must have coverage_format (cobertura or jacoco) and path`,
        );
        continue;
      }
      artifactType = format;
      paths = [path];
    }
    const known = reportFormats[artifactType];
    if (!known) {
      problems.add(`${location}:reports config contains unknown keys: ${type}`);
      continue;
    }
    if (!paths) {
      problems.add(`${location}:reports ${type} should be an array of strings or a string`);
      continue;
    }
    entries.push({
      name: known.fileName,
      untracked: false,
      paths,
      exclude: [],
      // GitLab always uploads reports, whatever the job's outcome.
      when: 'always',
      expire_in: expireIn,
      artifact_type: artifactType,
      artifact_format: known.format,
    });
  }
  return entries;
}

/** Reads a job's `artifacts:` into payload entries: one `archive` (paths/untracked) plus reports. */
export function normalizeArtifacts(
  value: unknown,
  location: string,
  problems: ConfigProblems,
): ArtifactEntry[] {
  if (value === undefined || value === null) {
    return [];
  }
  if (!isMap(value)) {
    problems.add(`${location} config should be a hash`);
    return [];
  }
  const unknown = unknownKeys(value, artifactKeys);
  if (unknown.length > 0) {
    problems.add(`${location} config contains unknown keys: ${unknown.join(', ')}`);
  }
  const when = value.when ?? 'on_success';
  if (!artifactWhen.includes(when as (typeof artifactWhen)[number])) {
    problems.add(`${location} when should be on_success, on_failure or always`);
  }
  let expireIn = '';
  if (value.expire_in !== undefined) {
    const text = asText(value.expire_in);
    if (text !== 'never' && parseDurationSeconds(text) === undefined) {
      problems.add(`${location} expire in should be a duration`);
    }
    expireIn = text;
  }
  for (const key of ['paths', 'exclude'] as const) {
    if (value[key] !== undefined && !isStringArray(value[key])) {
      problems.add(`${location} ${key} should be an array of strings`);
    }
  }
  if (value.untracked !== undefined && typeof value.untracked !== 'boolean') {
    problems.add(`${location} untracked should be a boolean value`);
  }
  if (value.name !== undefined && typeof value.name !== 'string') {
    problems.add(`${location} name should be a string`);
  }
  const entries: ArtifactEntry[] = [];
  const paths = isStringArray(value.paths) ? value.paths : undefined;
  const untracked = value.untracked === true;
  if (paths !== undefined || untracked) {
    entries.push({
      // The runner names an unnamed archive "artifacts"; sending that keeps clients simple.
      name: typeof value.name === 'string' ? value.name : 'artifacts',
      untracked,
      paths: paths ?? [],
      exclude: isStringArray(value.exclude) ? value.exclude : [],
      when: when as ArtifactEntry['when'],
      expire_in: expireIn,
      artifact_type: 'archive',
      artifact_format: 'zip',
    });
  }
  if (value.reports !== undefined) {
    entries.push(...reportEntries(value.reports, expireIn, location, problems));
  }
  return entries;
}
