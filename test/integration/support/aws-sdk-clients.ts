import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';
import { EC2InstanceConnectClient } from '@aws-sdk/client-ec2-instance-connect';

/** The three real SDK clients pointed at one endpoint. */
export interface AwsSdkClients {
  readonly autoScaling: AutoScalingClient;
  readonly ec2: EC2Client;
  readonly instanceConnect: EC2InstanceConnectClient;
  /** Closes the clients' sockets. */
  destroy(): void;
}

/** Creates SDK clients for an endpoint with dummy credentials and one attempt (no hidden retries). */
export function createAwsSdkClients(endpoint: string): AwsSdkClients {
  const config = {
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  };
  const autoScaling = new AutoScalingClient(config);
  const ec2 = new EC2Client(config);
  const instanceConnect = new EC2InstanceConnectClient(config);
  return {
    autoScaling,
    ec2,
    instanceConnect,
    destroy: () => {
      autoScaling.destroy();
      ec2.destroy();
      instanceConnect.destroy();
    },
  };
}
