import { z } from 'zod';

import type { ManualClock } from '../clock';
import { EmulatorError } from '../errors';
import type { AwsModel } from '../model/aws-model';
import type { CallLog } from '../model/call-log';
import {
  requireInstance,
  requireProcess,
  startInstanceRefresh,
  terminateFromOutside,
} from './admin-operations';
import { SPOT_WARNING_LEAD_MS, warnSpotInterruption } from './spot-interruption';
import { stateSnapshot } from './state-snapshot';

/** One admin request after routing: method, path segments, query and parsed JSON body. */
export interface AdminRequest {
  readonly method: string;
  readonly segments: readonly string[];
  readonly query: URLSearchParams;
  readonly body: unknown;
}

/** What the admin routes need. */
export interface AdminDeps {
  readonly model: AwsModel;
  readonly calls: CallLog;
  /** Present only when the emulator was built with a manual clock. */
  readonly manualClock: ManualClock | undefined;
}

const throttleBody = z
  .object({
    action: z.string().min(1),
    service: z.enum(['autoscaling', 'ec2', 'ec2-instance-connect']).optional(),
    calls: z.number().int().positive().optional(),
    durationMs: z.number().int().positive().optional(),
  })
  .refine(b => b.calls !== undefined || b.durationMs !== undefined, {
    error: 'give calls or durationMs',
  });
const errorBody = z
  .object({
    action: z.string().min(1),
    code: z.enum([
      'ResourceContention',
      'ScalingActivityInProgress',
      'ServiceLinkedRoleFailure',
      'InternalFailure',
      'ServiceUnavailable',
    ]),
    service: z.enum(['autoscaling', 'ec2', 'ec2-instance-connect']).optional(),
    calls: z.number().int().positive().optional(),
    durationMs: z.number().int().positive().optional(),
  })
  .refine(b => b.calls !== undefined || b.durationMs !== undefined, {
    error: 'give calls or durationMs',
  });
const capacityBody = z.object({
  durationMs: z.number().int().positive(),
  availabilityZone: z.string().optional(),
  instanceType: z.string().optional(),
  groupName: z.string().optional(),
});
const launchRateBody = z.object({
  burst: z.number().int().positive(),
  perSecond: z.number().positive(),
});
const bootBody = z.object({
  bootDelayMs: z.number().int().nonnegative().optional(),
  bootJitterMs: z.number().int().nonnegative().optional(),
  bootMode: z.enum(['ok', 'never-answers']).optional(),
});
const refreshBody = z.object({
  protectedInstances: z.enum(['Refresh', 'Ignore']).default('Refresh'),
  instanceIds: z.array(z.string()).optional(),
  replacement: z.enum(['launch-at-once', 'after-termination']).default('launch-at-once'),
});
const terminateBody = z.object({ reason: z.enum(['user', 'spot']).default('user') });
const spotWarningBody = z.object({
  queueName: z.string().min(1),
  delayMs: z.number().int().nonnegative().default(SPOT_WARNING_LEAD_MS),
});
const advanceBody = z.object({ ms: z.number().nonnegative() });
const setClockBody = z.object({ nowMs: z.number().int() });

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body ?? {});
  if (!result.success) {
    throw new EmulatorError(
      'bad-request',
      `could not read the request: ${result.error.issues.map(i => `${i.path.join('.')} ${i.message}`).join('; ')}`,
    );
  }
  return result.data;
}

/** Runs one admin request; returns the JSON answer or throws an EmulatorError. */
export async function runAdminRequest(deps: AdminDeps, request: AdminRequest): Promise<unknown> {
  const { model, calls } = deps;
  const [first, second, third] = request.segments;
  // Routes are matched as e.g. `POST /instances/:id/pause` or `POST /faults/throttle`.
  const tail = third === undefined ? (second === undefined ? '' : `/${second}`) : `/:id/${third}`;
  const key = `${request.method} /${first ?? ''}${tail}`;
  const nowMs = model.ctx.clock.now();
  switch (key) {
    case 'GET /state':
      return stateSnapshot(model);
    case 'GET /calls': {
      const action = request.query.get('action') ?? undefined;
      return { counts: calls.counts(), calls: calls.list(action) };
    }
    case 'DELETE /calls':
      calls.clear();
      return { ok: true };
    case 'POST /faults/throttle': {
      const body = parse(throttleBody, request.body);
      const rule = model.faults.addThrottle({
        action: body.action,
        service: body.service,
        calls: body.calls,
        untilMs: body.durationMs === undefined ? undefined : nowMs + body.durationMs,
      });
      return { id: rule.id };
    }
    case 'POST /faults/error': {
      const body = parse(errorBody, request.body);
      const rule = model.faults.addThrottle({
        action: body.action,
        service: body.service,
        calls: body.calls,
        untilMs: body.durationMs === undefined ? undefined : nowMs + body.durationMs,
        errorCode: body.code,
      });
      return { id: rule.id };
    }
    case 'POST /faults/insufficient-capacity': {
      const body = parse(capacityBody, request.body);
      const window = model.faults.addCapacityWindow({
        fromMs: nowMs,
        untilMs: nowMs + body.durationMs,
        availabilityZone: body.availabilityZone,
        instanceType: body.instanceType,
        groupName: body.groupName,
      });
      return { id: window.id };
    }
    case 'POST /faults/launch-rate': {
      const body = parse(launchRateBody, request.body);
      model.faults.setLaunchRate(body.burst, body.perSecond, nowMs);
      return { ok: true };
    }
    case 'DELETE /faults':
      model.faults.clear();
      return { ok: true };
    case 'PUT /groups/:id/boot': {
      const body = parse(bootBody, request.body);
      const name = second ?? '';
      const previous = model.faults.boot.get(name);
      const settings = {
        bootDelayMs:
          body.bootDelayMs ?? previous?.bootDelayMs ?? model.ctx.timings.defaultBootDelayMs,
        bootJitterMs:
          body.bootJitterMs ?? previous?.bootJitterMs ?? model.ctx.timings.defaultBootJitterMs,
        bootMode: body.bootMode ?? previous?.bootMode ?? 'ok',
      };
      model.faults.boot.set(name, settings);
      return settings;
    }
    case 'POST /groups/:id/instance-refresh': {
      const body = parse(refreshBody, request.body);
      return {
        instanceIds: startInstanceRefresh(model, second ?? '', {
          protectedInstances: body.protectedInstances,
          replacement: body.replacement,
          ...(body.instanceIds === undefined ? {} : { instanceIds: body.instanceIds }),
        }),
      };
    }
    case 'POST /instances/:id/pause':
      await requireProcess(model, second ?? '').pause();
      return { ok: true };
    case 'POST /instances/:id/resume':
      await requireProcess(model, second ?? '').resume();
      return { ok: true };
    case 'POST /instances/:id/kill-sshd':
      await requireProcess(model, second ?? '').killSshd();
      return { ok: true };
    case 'POST /instances/:id/terminate':
      terminateFromOutside(model, second ?? '', parse(terminateBody, request.body).reason);
      return { ok: true };
    case 'POST /instances/:id/spot-interruption':
      return warnSpotInterruption(model, second ?? '', parse(spotWarningBody, request.body));
    case 'POST /instances/:id/hide-once':
      requireInstance(model, second ?? '');
      model.faults.hiddenOnce.add(second ?? '');
      return { ok: true };
    case 'GET /clock':
      return { nowMs, manual: deps.manualClock !== undefined };
    case 'POST /clock/advance':
      requireManual(deps).advance(parse(advanceBody, request.body).ms);
      return { nowMs: model.ctx.clock.now() };
    case 'PUT /clock':
      requireManual(deps).setNow(parse(setClockBody, request.body).nowMs);
      return { nowMs: model.ctx.clock.now() };
    default:
      throw new EmulatorError(
        'not-found',
        `could not route ${request.method} /${request.segments.join('/')}`,
      );
  }
}

function requireManual(deps: AdminDeps): ManualClock {
  if (deps.manualClock === undefined) {
    throw new EmulatorError(
      'clock-not-manual',
      'could not change the clock: the emulator runs on real time',
    );
  }
  return deps.manualClock;
}
