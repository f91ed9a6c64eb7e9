import { ApiBackoff } from './api-backoff';
import type { ApiBackoffOptions } from './api-backoff';
import { createAwsClients } from './aws-clients';
import type { AwsClients } from './aws-clients';
import { resolveSettings } from './settings';
import type { AwsProviderSettings } from './settings';

/**
 * Numbered describe rounds shared by many pools, at most one in flight: a caller that has seen
 * round `after` joins the round in flight when it is newer, and starts the next one otherwise.
 */
export class SharedRounds<T> {
  private round = 0;
  private inFlight: { round: number; done: Promise<T> } | undefined;

  constructor(
    private readonly run: (round: number, signal: AbortSignal | undefined) => Promise<T>,
  ) {}

  /** The number of the newest round started (0 before the first). */
  get latest(): number {
    return this.round;
  }

  /** Waits for a round newer than `after`: the one in flight, or a new one. */
  after(after: number, signal: AbortSignal | undefined): Promise<T> {
    if (this.inFlight !== undefined && this.inFlight.round > after) {
      return this.inFlight.done;
    }
    this.round += 1;
    const round = this.round;
    const done = this.run(round, signal).finally(() => {
      if (this.inFlight?.round === round) {
        this.inFlight = undefined;
      }
    });
    this.inFlight = { round, done };
    return done;
  }
}

/**
 * The clients and back-off a shared reader makes for itself from one pool's settings (every pool
 * it serves shares that account, Region and endpoint); `onClose` destroys the clients.
 */
export function ownClientsFor(
  settings: AwsProviderSettings,
  backoff: ApiBackoffOptions,
): { clients: AwsClients; backoff: ApiBackoff; onClose: () => void } {
  const clients = createAwsClients(resolveSettings(settings));
  return {
    clients,
    backoff: new ApiBackoff({
      ...(settings.now === undefined ? {} : { now: settings.now }),
      ...backoff,
    }),
    onClose: () => {
      clients.destroy();
    },
  };
}
