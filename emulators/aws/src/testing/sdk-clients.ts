import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';
import { EC2InstanceConnectClient } from '@aws-sdk/client-ec2-instance-connect';

/** The three real SDK clients pointed at an emulator endpoint, without retries. */
export interface SdkClients {
  readonly autoscaling: AutoScalingClient;
  readonly ec2: EC2Client;
  readonly instanceConnect: EC2InstanceConnectClient;
  destroy(): void;
}

/** Creates SDK clients for `endpoint` with dummy credentials, us-east-1 and maxAttempts 1. */
export function createSdkClients(endpoint: string): SdkClients {
  const config = {
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEMULATOR', secretAccessKey: 'emulator-secret' },
    maxAttempts: 1,
  };
  const autoscaling = new AutoScalingClient(config);
  const ec2 = new EC2Client(config);
  const instanceConnect = new EC2InstanceConnectClient(config);
  return {
    autoscaling,
    ec2,
    instanceConnect,
    destroy() {
      autoscaling.destroy();
      ec2.destroy();
      instanceConnect.destroy();
    },
  };
}
