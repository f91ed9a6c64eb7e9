import type { XmlValue } from '../protocol/xml-values';
import type { Ec2Instance } from './instance';
import { EC2_STATE_CODES } from './instance';
import { tagSetXml } from './ec2-params';

/** An instance as DescribeInstances' `instancesSet/item`, with EC2's irregular element names. */
export function instanceXml(instance: Ec2Instance): Record<string, XmlValue> {
  const terminated = instance.state === 'terminated';
  const ip = terminated ? undefined : instance.privateIp;
  const dnsName = ip === undefined ? '' : `ip-${ip.replace(/\./g, '-')}.ec2.internal`;
  return {
    instanceId: instance.instanceId,
    imageId: instance.imageId,
    instanceState: { code: EC2_STATE_CODES[instance.state], name: instance.state },
    privateDnsName: dnsName,
    dnsName: terminated ? '' : dnsName,
    reason: instance.stateTransitionReason,
    keyName: instance.keyName,
    amiLaunchIndex: 0,
    productCodes: [],
    instanceType: instance.instanceType,
    launchTime: new Date(instance.launchTimeMs),
    placement: { availabilityZone: instance.availabilityZone, groupName: '', tenancy: 'default' },
    monitoring: { state: 'disabled' },
    subnetId: terminated ? undefined : instance.subnetId,
    vpcId: terminated ? undefined : instance.vpcId,
    privateIpAddress: ip,
    ipAddress: ip,
    sourceDestCheck: terminated ? undefined : true,
    groupSet: [],
    stateReason: instance.stateReason,
    architecture: 'x86_64',
    rootDeviceType: 'ebs',
    rootDeviceName: '/dev/xvda',
    blockDeviceMapping: [],
    virtualizationType: 'hvm',
    tagSet: tagSetXml(instance.tags),
    hypervisor: 'xen',
    networkInterfaceSet: [],
    ebsOptimized: false,
    enaSupport: true,
    platformDetails: 'Linux/UNIX',
    usageOperation: 'RunInstances',
    bootMode: 'uefi-preferred',
    currentInstanceBootMode: 'legacy-bios',
  };
}

const FILTER_NAMES = new Set([
  'instance-id',
  'instance-state-name',
  'instance-state-code',
  'tag-key',
  'tag-value',
  'availability-zone',
  'instance-type',
  'image-id',
  'key-name',
  'private-ip-address',
  'ip-address',
  'subnet-id',
  'vpc-id',
  'reservation-id',
]);

/** Whether DescribeInstances knows this filter name. */
export function isKnownInstanceFilter(name: string): boolean {
  return name.startsWith('tag:') || FILTER_NAMES.has(name);
}

/** The values a DescribeInstances filter name reads from an instance; undefined for unknown names. */
export function instanceFilterValues(
  instance: Ec2Instance,
  name: string,
): (string | undefined)[] | undefined {
  if (name.startsWith('tag:')) {
    const key = name.slice(4);
    return instance.tags.filter(t => t.key === key).map(t => t.value);
  }
  switch (name) {
    case 'instance-id':
      return [instance.instanceId];
    case 'instance-state-name':
      return [instance.state];
    case 'instance-state-code':
      return [String(EC2_STATE_CODES[instance.state])];
    case 'tag-key':
      return instance.tags.map(t => t.key);
    case 'tag-value':
      return instance.tags.map(t => t.value);
    case 'availability-zone':
      return [instance.availabilityZone];
    case 'instance-type':
      return [instance.instanceType];
    case 'image-id':
      return [instance.imageId];
    case 'key-name':
      return [instance.keyName];
    case 'private-ip-address':
    case 'ip-address':
      return [instance.privateIp];
    case 'subnet-id':
      return [instance.subnetId];
    case 'vpc-id':
      return [instance.vpcId];
    case 'reservation-id':
      return [instance.reservationId];
    default:
      return undefined;
  }
}
