import { ManualClock, type Clock } from '../clock';
import { GitlabEmulatorError } from '../errors';
import {
  advanceSchema,
  cancelSchema,
  commitSchema,
  createPipelineSchema,
  createProjectSchema,
  createRunnerSchema,
  delaySchema,
  faultSchema,
  parseBody,
  rateLimitSchema,
  rejectFinalTraceSchema,
  runnerPatchSchema,
  truncateTraceSchema,
  variableSchema,
} from './admin-schemas';
import type { AdminService } from './admin-service';

/** The answer of an admin route: JSON unless `text` is set. */
export interface AdminAnswer {
  readonly status: number;
  readonly json?: unknown;
  readonly text?: string;
}

/** One admin route; `body` is the parsed JSON request body (an empty object when absent). */
export interface AdminRoute {
  readonly method: string;
  readonly pattern: RegExp;
  handle(
    params: Record<string, string>,
    body: Record<string, unknown>,
    query: URLSearchParams,
  ): Promise<AdminAnswer>;
}

const ok = (json: unknown, status = 200): AdminAnswer => ({ status, json });

function num(value: string | undefined): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) {
    throw new GitlabEmulatorError('invalid_request', 'could not parse id');
  }
  return n;
}

function optionalNum(value: string | null): number | undefined {
  return value === null ? undefined : num(value);
}

function route(method: string, path: string, handle: AdminRoute['handle']): AdminRoute {
  const source = path.replace(/:(\w+)/g, '(?<$1>[^/]+)');
  return { method, pattern: new RegExp(`^${source}$`), handle };
}

/** Every admin route, documented in the package README. */
export function adminRoutes(admin: AdminService, clock: Clock): AdminRoute[] {
  return [
    route('POST', '/runners', (_, b) =>
      Promise.resolve(ok(admin.createRunner(parseBody(createRunnerSchema, b)), 201)),
    ),
    route('GET', '/runners', () => Promise.resolve(ok(admin.listRunners()))),
    route('GET', '/runners/:id', p => Promise.resolve(ok(admin.getRunner(num(p.id))))),
    route('PATCH', '/runners/:id', (p, b) =>
      Promise.resolve(ok(admin.updateRunner(num(p.id), parseBody(runnerPatchSchema, b)))),
    ),
    route('DELETE', '/runners/:id', p => {
      admin.deleteRunner(num(p.id));
      return Promise.resolve({ status: 204 });
    }),
    route('POST', '/projects', async (_, b) =>
      ok(await admin.createProject(parseBody(createProjectSchema, b)), 201),
    ),
    route('GET', '/projects', async () => ok(await admin.listProjects())),
    route('GET', '/projects/:id', async p => ok(await admin.getProject(num(p.id)))),
    route('POST', '/projects/:id/commits', async (p, b) =>
      ok(await admin.commitToProject(num(p.id), parseBody(commitSchema, b)), 201),
    ),
    route('GET', '/projects/:id/variables', p =>
      Promise.resolve(ok(admin.listVariables(num(p.id)))),
    ),
    route('POST', '/projects/:id/variables', (p, b) =>
      Promise.resolve(ok(admin.setVariable(num(p.id), parseBody(variableSchema, b)), 201)),
    ),
    route('DELETE', '/projects/:id/variables/:key', p => {
      admin.deleteVariable(num(p.id), p.key ?? '');
      return Promise.resolve({ status: 204 });
    }),
    route('POST', '/projects/:id/pipelines', async (p, b) =>
      ok(await admin.createPipeline(num(p.id), parseBody(createPipelineSchema, b)), 201),
    ),
    route('GET', '/pipelines', () => Promise.resolve(ok(admin.listPipelines()))),
    route('GET', '/pipelines/:id', p => Promise.resolve(ok(admin.getPipeline(num(p.id))))),
    route('POST', '/pipelines/:id/cancel', (p, b) =>
      Promise.resolve(
        ok(admin.cancelPipeline(num(p.id), parseBody(cancelSchema, b).mode ?? 'graceful')),
      ),
    ),
    route('GET', '/jobs/:id', p => Promise.resolve(ok(admin.getJob(num(p.id))))),
    route('GET', '/jobs/:id/trace', p =>
      Promise.resolve({ status: 200, text: admin.getTrace(num(p.id)) }),
    ),
    route('GET', '/jobs/:id/requests', p =>
      Promise.resolve(ok(admin.listRequests({ jobId: num(p.id) }))),
    ),
    route('POST', '/jobs/:id/play', p => Promise.resolve(ok(admin.playJob(num(p.id))))),
    route('POST', '/jobs/:id/cancel', (p, b) =>
      Promise.resolve(
        ok(admin.cancelJob(num(p.id), parseBody(cancelSchema, b).mode ?? 'graceful')),
      ),
    ),
    route('POST', '/jobs/:id/retry', p => Promise.resolve(ok(admin.retryJob(num(p.id)), 201))),
    route('POST', '/jobs/:id/expire-token', p =>
      Promise.resolve(ok(admin.expireJobToken(num(p.id)))),
    ),
    route('POST', '/jobs/:id/delay-final-update', (p, b) =>
      Promise.resolve(ok(admin.delayFinalUpdate(num(p.id), parseBody(delaySchema, b).count ?? 1))),
    ),
    route('POST', '/jobs/:id/reject-final-trace', (p, b) => {
      const body = parseBody(rejectFinalTraceSchema, b);
      return Promise.resolve(
        ok(admin.rejectFinalTrace(num(p.id), body.count ?? 1, body.keepBytes ?? 0)),
      );
    }),
    route('POST', '/jobs/:id/truncate-trace', (p, b) =>
      Promise.resolve(ok(admin.truncateTrace(num(p.id), parseBody(truncateTraceSchema, b).bytes))),
    ),
    route('GET', '/faults', () => Promise.resolve(ok(admin.listFaults()))),
    route('POST', '/faults', (_, b) =>
      Promise.resolve(ok(admin.addFault(parseBody(faultSchema, b)), 201)),
    ),
    route('POST', '/rate-limits', (_, b) =>
      Promise.resolve(ok(admin.addRateLimit(parseBody(rateLimitSchema, b)), 201)),
    ),
    route('DELETE', '/faults/:id', p => {
      admin.removeFault(num(p.id));
      return Promise.resolve({ status: 204 });
    }),
    route('DELETE', '/faults', () => {
      admin.clearFaults();
      return Promise.resolve({ status: 204 });
    }),
    route('GET', '/requests', (_, __, q) =>
      Promise.resolve(
        ok(
          admin.listRequests({
            jobId: optionalNum(q.get('jobId')),
            runnerId: optionalNum(q.get('runnerId')),
            method: q.get('method') ?? undefined,
            pathPrefix: q.get('pathPrefix') ?? undefined,
          }),
        ),
      ),
    ),
    route('POST', '/clock/advance', (_, b) => {
      if (!(clock instanceof ManualClock)) {
        throw new GitlabEmulatorError('conflict', 'could not advance clock: not a manual clock');
      }
      clock.advance(parseBody(advanceSchema, b).ms);
      return Promise.resolve(ok({ nowMs: clock.now() }));
    }),
  ];
}
