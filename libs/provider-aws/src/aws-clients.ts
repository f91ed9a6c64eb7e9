import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';
import { EC2InstanceConnectClient } from '@aws-sdk/client-ec2-instance-connect';

import { credentialsFor } from './credentials';
import { awsRequestHandlerOptions } from './request-timeouts';
import type { ResolvedAwsSettings } from './settings';

/** The three SDK clients one group needs, sharing credentials, region and endpoint. */
export interface AwsClients {
  readonly autoScaling: AutoScalingClient;
  readonly ec2: EC2Client;
  readonly instanceConnect: EC2InstanceConnectClient;
  /** The region the clients use, from the settings or the SDK's own resolution. */
  region(): Promise<string>;
  /** Closes the clients' sockets; idempotent. */
  destroy(): void;
}

/** Creates the Auto Scaling, EC2 and EC2 Instance Connect clients for the settings. */
export function createAwsClients(settings: ResolvedAwsSettings): AwsClients {
  const config = {
    credentials: credentialsFor(settings),
    ...(settings.region === undefined ? {} : { region: settings.region }),
    // The client's profile also picks the region from the default shared config file.
    // TODO(#3): the SDK's region resolver ignores `configFile` (only credentials honour it), so a
    // region set only in a custom config file is not found; the plugin's LoadDefaultConfig reads it.
    ...(settings.profile === undefined ? {} : { profile: settings.profile }),
    ...(settings.endpoint === undefined ? {} : { endpoint: settings.endpoint }),
    // Without these the SDK waits forever on an endpoint that accepts and never answers, and the
    // scaler tick or start-up check waiting on that call with it; a timeout is retried.
    requestHandler: awsRequestHandlerOptions(),
    ...(settings.clientOverrides.maxAttempts === undefined
      ? {}
      : { maxAttempts: settings.clientOverrides.maxAttempts }),
  };
  const autoScaling = new AutoScalingClient(config);
  const ec2 = new EC2Client(config);
  const instanceConnect = new EC2InstanceConnectClient(config);
  let destroyed = false;

  return {
    autoScaling,
    ec2,
    instanceConnect,
    region: () => autoScaling.config.region(),
    destroy: () => {
      if (destroyed) {
        return;
      }
      destroyed = true;
      autoScaling.destroy();
      ec2.destroy();
      instanceConnect.destroy();
    },
  };
}
