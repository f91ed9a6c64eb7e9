import { EmulatorError } from '../errors';
import type { BootMode } from '../instances/instance-host';
import type { ModelContext } from '../model/context';
import type { Ec2Instance, Ec2StateName, LaunchTemplateRef, ShutdownCause, Tag } from './instance';

/** Everything needed to start one instance. */
export interface LaunchRequest {
  readonly imageId: string;
  readonly instanceType: string;
  readonly keyName: string | undefined;
  /** OpenSSH public keys installed at boot (from the key pair). */
  readonly authorizedKeys: readonly string[];
  readonly availabilityZone: string;
  readonly subnetId: string;
  readonly launchTemplate: LaunchTemplateRef | undefined;
  readonly tags: readonly Tag[];
  readonly bootDelayMs: number;
  readonly bootMode: BootMode;
}

/** What the Auto Scaling side hears about instances. */
export interface InstanceListener {
  running?(instance: Ec2Instance): void;
  shuttingDown?(instance: Ec2Instance, cause: ShutdownCause): void;
  terminated?(instance: Ec2Instance): void;
}

/** The EC2 instances of the region and their state machine: pending → running → shutting-down → terminated. */
export class Ec2InstanceStore {
  private readonly ctx: ModelContext;
  private readonly instances = new Map<string, Ec2Instance>();
  private readonly listeners: InstanceListener[] = [];
  private addressCounter = 10;
  private closed = false;

  constructor(ctx: ModelContext) {
    this.ctx = ctx;
  }

  /** Subscribes to instance transitions. */
  listen(listener: InstanceListener): void {
    this.listeners.push(listener);
  }

  /** The instance with this id, if EC2 still shows it. */
  get(instanceId: string): Ec2Instance | undefined {
    return this.instances.get(instanceId);
  }

  /** Every instance EC2 still shows, oldest launch first. */
  list(): Ec2Instance[] {
    return [...this.instances.values()];
  }

  /** Launches an instance: `pending` at once, `running` after the boot delay and the host's sshd. */
  launch(request: LaunchRequest): Ec2Instance {
    const instanceId = `i-${this.ctx.random.hex(17)}`;
    const instance: Ec2Instance = {
      instanceId,
      reservationId: `r-${this.ctx.random.hex(17)}`,
      imageId: request.imageId,
      instanceType: request.instanceType,
      keyName: request.keyName,
      availabilityZone: request.availabilityZone,
      subnetId: request.subnetId,
      vpcId: `vpc-${hexOf(this.ctx.region)}`,
      launchTemplate: request.launchTemplate,
      launchTimeMs: this.ctx.clock.now(),
      tags: [...request.tags],
      bootMode: request.bootMode,
      state: 'pending',
      stateTransitionReason: '',
      stateReason: { code: 'pending', message: 'pending' },
      shutdownCause: undefined,
      privateIp: this.ctx.host === undefined ? this.nextFakeAddress() : undefined,
      process: undefined,
      terminatedAtMs: undefined,
    };
    this.instances.set(instanceId, instance);
    this.ctx.logger.info({ instanceId, az: request.availabilityZone }, 'instance launching');

    let booted = false;
    let processReady = this.ctx.host === undefined;
    const maybeRun = (): void => {
      if (booted && processReady && instance.state === 'pending') {
        instance.state = 'running';
        instance.stateReason = undefined;
        this.ctx.logger.info({ instanceId }, 'instance running');
        this.emit(l => l.running?.(instance));
      }
    };
    this.ctx.scheduler.after(request.bootDelayMs, () => {
      booted = true;
      maybeRun();
    });
    this.ctx.host
      ?.launch({
        instanceId,
        osUser: this.ctx.osUser,
        authorizedKeys: request.authorizedKeys,
        sshPort: this.ctx.sshPort,
        bootMode: request.bootMode,
      })
      .then(process => {
        if (instance.state !== 'pending' || this.closed) {
          // Terminated while sshd was starting: nothing may outlive the instance.
          void process.terminate().catch((error: unknown) => {
            this.ctx.logger.error(
              { instanceId, err: error },
              'could not terminate a late instance process',
            );
          });
          return;
        }
        instance.process = process;
        instance.privateIp = process.privateIp;
        processReady = true;
        maybeRun();
      })
      .catch((error: unknown) => {
        this.ctx.logger.error({ instanceId, err: error }, 'could not launch the instance process');
        instance.stateReason = {
          code: 'Server.InternalError',
          message: 'Server.InternalError: Internal error on launch',
        };
        this.shutDown(instance, 'launch-failed');
      });
    return instance;
  }

  /**
   * Starts terminating an instance (idempotent) and returns its state before and after, as
   * TerminateInstances reports them.
   */
  terminate(
    instanceId: string,
    cause: ShutdownCause,
  ): { previous: Ec2StateName; current: Ec2StateName } {
    const instance = this.instances.get(instanceId);
    if (instance === undefined) {
      throw new EmulatorError('not-found', `could not terminate instance ${instanceId}: unknown`);
    }
    const previous = instance.state;
    this.shutDown(instance, cause);
    return { previous, current: instance.state };
  }

  /** Terminates the process of every instance (the emulator is closing); late launches are ended too. */
  async closeAll(): Promise<void> {
    this.closed = true;
    const processes = this.list().flatMap(i => (i.process === undefined ? [] : [i.process]));
    const results = await Promise.allSettled(processes.map(p => p.terminate()));
    for (const result of results) {
      if (result.status === 'rejected') {
        this.ctx.logger.warn(
          { err: result.reason as unknown },
          'could not terminate an instance process on close',
        );
      }
    }
  }

  private shutDown(instance: Ec2Instance, cause: ShutdownCause): void {
    if (instance.state === 'shutting-down' || instance.state === 'terminated') {
      return;
    }
    const nowIso = new Date(this.ctx.clock.now()).toISOString();
    instance.state = 'shutting-down';
    instance.shutdownCause = cause;
    instance.stateTransitionReason = `User initiated (${nowIso.replace('T', ' ').slice(0, 19)} GMT)`;
    if (cause !== 'launch-failed') {
      instance.stateReason = {
        code: 'Client.UserInitiatedShutdown',
        message: 'Client.UserInitiatedShutdown: User initiated shutdown',
      };
    }
    this.ctx.logger.info({ instanceId: instance.instanceId, cause }, 'instance shutting down');
    const process = instance.process;
    if (process !== undefined) {
      process.terminate().catch((error: unknown) => {
        this.ctx.logger.error(
          { instanceId: instance.instanceId, err: error },
          'could not terminate the instance process',
        );
      });
    }
    this.emit(l => l.shuttingDown?.(instance, cause));
    this.ctx.scheduler.after(this.ctx.timings.shutdownDelayMs, () => {
      instance.state = 'terminated';
      instance.terminatedAtMs = this.ctx.clock.now();
      this.ctx.logger.info({ instanceId: instance.instanceId }, 'instance terminated');
      this.emit(l => l.terminated?.(instance));
      this.ctx.scheduler.after(this.ctx.timings.terminatedRetentionMs, () => {
        this.instances.delete(instance.instanceId);
      });
    });
  }

  private emit(call: (listener: InstanceListener) => void): void {
    for (const listener of this.listeners) {
      call(listener);
    }
  }

  private nextFakeAddress(): string {
    const n = this.addressCounter++;
    return `172.31.${Math.floor(n / 250) % 250}.${(n % 250) + 1}`;
  }
}

function hexOf(text: string): string {
  let hash = 0;
  for (const char of text) {
    hash = (Math.imul(hash, 31) + char.charCodeAt(0)) >>> 0;
  }
  return hash.toString(16).padStart(8, '0').repeat(3).slice(0, 17);
}
