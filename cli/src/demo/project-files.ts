import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

import { z } from 'zod';

import { CliError } from '../errors';

const variablesSchema = z.array(
  z.strictObject({
    key: z.string().regex(/^[A-Za-z0-9_]+$/),
    value: z.string(),
    masked: z.boolean().optional(),
    file: z.boolean().optional(),
  }),
);

/** One project CI/CD variable as `--variables` and `variables.json` declare it. */
export type DeclaredVariable = z.infer<typeof variablesSchema>[number];

const expectationSchema = z.record(
  z.string(),
  z.strictObject({
    status: z.string(),
    failure_reason: z.string().nullable().optional(),
    exit_code: z.number().int().nullable().optional(),
  }),
);

/** Job name → the final state GitLab Runner would report for it. */
export type PipelineExpectation = z.infer<typeof expectationSchema>;

async function readJson(path: string, what: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as unknown;
  } catch (error) {
    throw new CliError('invalid_argument', `could not read ${what} ${path}`, { cause: error });
  }
}

/** Reads a variables file (a JSON array of `{key, value, masked, file}`). */
export async function readVariables(path: string): Promise<DeclaredVariable[]> {
  const parsed = variablesSchema.safeParse(await readJson(path, 'variables file'));
  if (!parsed.success) {
    throw new CliError('invalid_argument', `could not read variables file ${path}`, {
      cause: parsed.error,
    });
  }
  return parsed.data;
}

/** Reads a pipeline's expected.json (job name → status, failure_reason, exit_code). */
export async function readExpectation(path: string): Promise<PipelineExpectation> {
  const parsed = expectationSchema.safeParse(await readJson(path, 'expectation file'));
  if (!parsed.success) {
    throw new CliError('invalid_argument', `could not read expectation file ${path}`, {
      cause: parsed.error,
    });
  }
  return parsed.data;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** One pipeline the demo runs: its source directory and what it declares beside the CI file. */
export interface DemoProject {
  readonly name: string;
  readonly dir: string;
  readonly variables: readonly DeclaredVariable[];
  /** Absent for `--project` without an expected.json: then only the run is shown. */
  readonly expectation: PipelineExpectation | undefined;
}

/** Loads one project directory: variables from `variablesFile` or its variables.json. */
export async function loadProject(dir: string, variablesFile?: string): Promise<DemoProject> {
  if (!(await exists(join(dir, '.gitlab-ci.yml')))) {
    throw new CliError('invalid_argument', `could not find .gitlab-ci.yml in ${dir}`);
  }
  const variablesPath = variablesFile ?? join(dir, 'variables.json');
  const expectedPath = join(dir, 'expected.json');
  return {
    name: dir.split('/').filter(Boolean).at(-1) ?? 'project',
    dir,
    variables:
      variablesFile !== undefined || (await exists(variablesPath))
        ? await readVariables(variablesPath)
        : [],
    expectation: (await exists(expectedPath)) ? await readExpectation(expectedPath) : undefined,
  };
}

/** Every example pipeline: each subdirectory of `examplesDir` (each must hold a .gitlab-ci.yml). */
export async function loadExampleProjects(examplesDir: string): Promise<DemoProject[]> {
  const entries = await readdir(examplesDir, { withFileTypes: true });
  const projects: DemoProject[] = [];
  for (const entry of entries
    .filter(e => e.isDirectory())
    .sort((a, b) => a.name.localeCompare(b.name))) {
    projects.push(await loadProject(join(examplesDir, entry.name)));
  }
  return projects;
}
