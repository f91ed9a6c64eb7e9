import type { XmlValue } from '../protocol/xml-values';
import type { Ec2Instance } from './instance';
import { EC2_STATE_CODES } from './instance';
import { tagSetXml } from './ec2-params';

/** An instance as DescribeInstances' `instancesSet/item`, with EC2's irregular element names. */
export function instanceXml(instance: Ec2Instance, accountId: string): Record<string, XmlValue> {
  const terminated = instance.state === 'terminated';
  const ip = terminated ? undefined : instance.privateIp;
  const dnsName = ip === undefined ? '' : `ip-${ip.replace(/\./g, '-')}.ec2.internal`;
  const suffix = instance.instanceId.slice(2);
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
    groupSet: terminated ? [] : [DEFAULT_SECURITY_GROUP],
    stateReason: instance.stateReason,
    architecture: 'x86_64',
    rootDeviceType: 'ebs',
    rootDeviceName: '/dev/xvda',
    blockDeviceMapping: terminated
      ? []
      : [
          {
            deviceName: '/dev/xvda',
            ebs: {
              volumeId: `vol-${suffix}`,
              status: 'attached',
              attachTime: new Date(instance.launchTimeMs),
              deleteOnTermination: true,
            },
          },
        ],
    virtualizationType: 'hvm',
    tagSet: tagSetXml(instance.tags),
    hypervisor: 'xen',
    networkInterfaceSet: terminated ? [] : [networkInterfaceXml(instance, accountId, ip, dnsName)],
    metadataOptions: {
      state: 'applied',
      httpTokens: 'required',
      httpPutResponseHopLimit: 2,
      httpEndpoint: 'enabled',
      httpProtocolIpv6: 'disabled',
      instanceMetadataTags: 'disabled',
    },
    ebsOptimized: false,
    enaSupport: true,
    platformDetails: 'Linux/UNIX',
    usageOperation: 'RunInstances',
    bootMode: 'uefi-preferred',
    currentInstanceBootMode: 'legacy-bios',
  };
}

// Every emulated VPC has only its default security group.
const DEFAULT_SECURITY_GROUP = { groupId: 'sg-0d3fa17c0e2d1b4a5', groupName: 'default' };

function networkInterfaceXml(
  instance: Ec2Instance,
  accountId: string,
  ip: string | undefined,
  dnsName: string,
): Record<string, XmlValue> {
  const suffix = instance.instanceId.slice(2);
  return {
    networkInterfaceId: `eni-${suffix}`,
    subnetId: instance.subnetId,
    vpcId: instance.vpcId,
    description: '',
    status: 'in-use',
    macAddress: `0e:${(suffix.slice(0, 10).match(/../g) ?? []).join(':')}`,
    privateIpAddress: ip,
    privateDnsName: dnsName,
    sourceDestCheck: true,
    groupSet: [DEFAULT_SECURITY_GROUP],
    ownerId: accountId,
    ipv6AddressesSet: [],
    attachment: {
      attachmentId: `eni-attach-${suffix}`,
      deviceIndex: 0,
      networkCardIndex: 0,
      status: 'attached',
      attachTime: new Date(instance.launchTimeMs),
      deleteOnTermination: true,
    },
    association:
      ip === undefined ? undefined : { publicIp: ip, publicDnsName: dnsName, ipOwnerId: 'amazon' },
    privateIpAddressesSet:
      ip === undefined
        ? []
        : [
            {
              privateIpAddress: ip,
              privateDnsName: dnsName,
              primary: true,
              association: { publicIp: ip, publicDnsName: dnsName, ipOwnerId: 'amazon' },
            },
          ],
    interfaceType: 'interface',
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
