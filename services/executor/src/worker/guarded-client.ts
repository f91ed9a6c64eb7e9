import { GitlabApiError } from '@taskfleet/gitlab';
import type { GitlabClient } from '@taskfleet/gitlab';
import type { Logger } from 'pino';

import { errorName } from './error-name';

type FinalCalls = Pick<GitlabClient, 'patchTrace' | 'updateJob'>;

/**
 * The client's final-update calls with a throw (which the client never means to do: it answers
 * every HTTP and network failure with a result) turned into a failed, retryable result, so the
 * final update backs off and keeps its deadline instead of ending the delivery.
 */
export function guardedFinalCalls(client: FinalCalls, logger: Logger): FinalCalls {
  const fault = (call: string, error: unknown) => {
    logger.error({ call, err: errorName(error) }, 'gitlab client threw instead of answering');
    return {
      kind: 'failed' as const,
      status: undefined,
      error: new GitlabApiError('client_fault', `could not ${call}: the client threw`, {
        cause: error,
      }),
      jobStatus: undefined,
      updateIntervalMs: undefined,
      cancelRequested: false,
    };
  };
  return {
    patchTrace: async (...args) => {
      try {
        return await client.patchTrace(...args);
      } catch (error) {
        return fault('send the job log', error);
      }
    },
    updateJob: async (...args) => {
      try {
        return await client.updateJob(...args);
      } catch (error) {
        return fault('update the job', error);
      }
    },
  };
}
