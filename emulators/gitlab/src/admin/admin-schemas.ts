import { z } from 'zod';

import { GitlabEmulatorError } from '../errors';

/** `POST /runners`. */
export const createRunnerSchema = z.strictObject({
  description: z.string().optional(),
  tags: z.array(z.string()).optional(),
  runUntagged: z.boolean().optional(),
  paused: z.boolean().optional(),
  locked: z.boolean().optional(),
  runnerType: z.enum(['instance_type', 'project_type']).optional(),
  projectIds: z.array(z.number().int()).optional(),
  maximumTimeoutSec: z.number().int().positive().optional(),
  tokenExpiresAt: z.iso.datetime().nullable().optional(),
});

/** `PATCH /runners/:id`. */
export const runnerPatchSchema = z.strictObject({
  description: z.string().optional(),
  tags: z.array(z.string()).optional(),
  runUntagged: z.boolean().optional(),
  paused: z.boolean().optional(),
  locked: z.boolean().optional(),
});

/** `POST /projects`. */
export const createProjectSchema = z.strictObject({
  path: z.string(),
  sourceDir: z.string(),
  defaultBranch: z.string().optional(),
});

/** `POST /projects/:id/commits`. */
export const commitSchema = z.strictObject({
  sourceDir: z.string(),
  branch: z.string().optional(),
  message: z.string().optional(),
});

/** `POST /projects/:id/variables`. */
export const variableSchema = z.strictObject({
  key: z.string(),
  value: z.string(),
  masked: z.boolean().optional(),
  file: z.boolean().optional(),
  protected: z.boolean().optional(),
  raw: z.boolean().optional(),
});

/** `POST /projects/:id/pipelines`. */
export const createPipelineSchema = z.strictObject({
  ref: z.string().optional(),
  sha: z.string().optional(),
  beforeSha: z.string().optional(),
  source: z.string().optional(),
  variables: z.array(z.strictObject({ key: z.string(), value: z.string() })).optional(),
});

/** `POST /jobs/:id/cancel`. */
export const cancelSchema = z.strictObject({ mode: z.enum(['graceful', 'forced']).optional() });

/** `POST /jobs/:id/delay-final-update`. */
export const delaySchema = z.strictObject({ count: z.number().int().nonnegative().optional() });

/** `POST /jobs/:id/reject-final-trace`. */
export const rejectFinalTraceSchema = z.strictObject({
  count: z.number().int().nonnegative().optional(),
  keepBytes: z.number().int().nonnegative().optional(),
});

/** `POST /jobs/:id/truncate-trace`. */
export const truncateTraceSchema = z.strictObject({ bytes: z.number().int().nonnegative() });

/** `POST /clock/advance`. */
export const advanceSchema = z.strictObject({ ms: z.number().nonnegative() });

/** `POST /faults`. */
export const faultSchema = z.strictObject({
  method: z.string().optional(),
  path: z.string(),
  kind: z.enum(['status', 'drop', 'redirect']),
  status: z.number().int().optional(),
  location: z.url().optional(),
  retryAfterSec: z.number().int().nonnegative().optional(),
  dropAt: z.enum(['request', 'response']).optional(),
  count: z.number().int().positive().optional(),
  durationMs: z.number().positive().optional(),
});

/** `POST /rate-limits`. */
export const rateLimitSchema = z.strictObject({
  method: z.string().optional(),
  path: z.string(),
  limit: z.number().int().nonnegative(),
  windowMs: z.number().positive(),
  retryAfterSec: z.number().int().nonnegative().optional(),
});

/** Validates an admin request body, listing every problem at once. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (!result.success) {
    const details = result.error.issues.map(
      issue => `${issue.path.join('.') || 'body'}: ${issue.message}`,
    );
    throw new GitlabEmulatorError('invalid_request', 'could not parse admin request', { details });
  }
  return result.data;
}
