/**
 * Every span name and span attribute name taskfleet uses, in one place (as metric-names.ts is for
 * metrics). Attributes reuse OpenTelemetry semantic-convention names where one fits; the `cicd.*`
 * names are still incubating in the conventions, so they are written out here rather than
 * imported from the package's unstable entry point.
 */
export const spanNames = {
  /** Poller: one GitLab job from the request that returned it until it sits in the queue. */
  pollerJob: 'taskfleet.poller.job',
  /** Poller: the `POST /jobs/request` that returned the job (empty polls make no span). */
  pollerRequest: 'taskfleet.poller.request',
  /** Poller: `PUT /jobs/:id state=running`, retried until GitLab answers. */
  pollerAccept: 'taskfleet.poller.accept',
  /** Poller: adding the job to the runner's BullMQ queue; the executor's job span is its child. */
  pollerEnqueue: 'taskfleet.poller.enqueue',
  /** Executor: one delivery of a queued job, from the queue to its final state. */
  executorJob: 'taskfleet.executor.job',
  /** Executor: taking the job's durable record under a lease. */
  executorClaim: 'taskfleet.executor.claim',
  /** Executor: waiting for a free slot on a ready instance. */
  executorSlotWait: 'taskfleet.executor.slot_wait',
  /** Executor: the SSH session to the slot's instance. */
  executorSshConnect: 'taskfleet.executor.ssh_connect',
  /** Executor: one section of the job log (get_sources, step_script, after_script, …). */
  executorStage: 'taskfleet.executor.stage',
  /** Executor: cache restore and artifact download before the script. */
  executorTransfersBefore: 'taskfleet.executor.transfers_before',
  /** Executor: artifact upload and cache save after the script. */
  executorTransfersAfter: 'taskfleet.executor.transfers_after',
  /** Executor: taking over a job from its durable record after its executor stopped (a root). */
  executorRecover: 'taskfleet.executor.recover',
  /** Executor: sending the stored final state to GitLab. */
  executorFinalUpdate: 'taskfleet.executor.final_update',
  /** Scaler: one control-loop tick of one pool. */
  scalerTick: 'taskfleet.scaler.tick',
  /** Scaler: one `increase()` call on the instance group. */
  scalerIncrease: 'taskfleet.scaler.increase',
  /** Scaler: terminating named instances (drain, intent, decrement). */
  scalerTerminate: 'taskfleet.scaler.terminate',
} as const;

/** One of {@link spanNames}' values. */
export type SpanName = (typeof spanNames)[keyof typeof spanNames];

/**
 * Every span attribute key. Only ids, counts and outcomes go here: never a token, a variable, a
 * key or a URL with credentials (invariant 7).
 */
export const traceAttributes = {
  /** The GitLab job id (semantic conventions: the pipeline task run). */
  gitlabJobId: 'cicd.pipeline.task.run.id',
  /** The GitLab runner id from `[[runners]] id`. */
  runnerId: 'cicd.worker.id',
  /** The runner key: runner id and URL hashed, never the token. */
  runnerKey: 'taskfleet.runner.key',
  /** The Auto Scaling group of the pool. */
  group: 'taskfleet.group',
  /** The cloud instance a job ran on, or a tick acted on. */
  instanceId: 'taskfleet.instance.id',
  instanceCount: 'taskfleet.instance.count',
  slot: 'taskfleet.slot',
  /** The log section a stage span covers (get_sources, step_script, after_script, …). */
  stage: 'taskfleet.stage',
  /** How the span's operation ended, as the code names it (enqueued, success, refused…). */
  outcome: 'taskfleet.outcome',
  /** Retries taken by an operation that retries until it succeeds. */
  attempts: 'taskfleet.attempts',
  /** How the queue entry's job came to this executor: new, resumed, redelivered. */
  jobStage: 'taskfleet.job.stage',
  exitCode: 'taskfleet.exit_code',
  failureReason: 'taskfleet.failure_reason',
  /** The scaler's plan figures (libs/taskscaler `Plan`) and what the tick did with them. */
  planQueuedJobs: 'taskfleet.plan.queued_jobs',
  planPendingJobs: 'taskfleet.plan.pending_jobs',
  planInUseSlots: 'taskfleet.plan.in_use_slots',
  planIdleTargetSlots: 'taskfleet.plan.idle_target_slots',
  planInstances: 'taskfleet.plan.instances',
  planTargetInstances: 'taskfleet.plan.target_instances',
  planToCreate: 'taskfleet.plan.to_create',
  planLimitedBy: 'taskfleet.plan.limited_by',
  planRemovals: 'taskfleet.plan.removals',
  increaseGranted: 'taskfleet.increase.granted',
  increaseRequested: 'taskfleet.increase.requested',
  terminated: 'taskfleet.terminated',
  /** Why an instance is removed (idle_timeout, excess, boot_failed, …). */
  removalReason: 'taskfleet.removal.reason',
  /** Bytes sent in one `PATCH /trace` (a span event, not a span, to keep volume down). */
  traceBytes: 'taskfleet.trace.bytes',
} as const;

/** One of {@link traceAttributes}' values. */
export type TraceAttribute = (typeof traceAttributes)[keyof typeof traceAttributes];

/** Span event names (things worth a mark on a span, too many to be spans). */
export const spanEventNames = {
  /** A `PATCH /jobs/:id/trace` GitLab took. */
  tracePatch: 'taskfleet.trace.patch',
} as const;
