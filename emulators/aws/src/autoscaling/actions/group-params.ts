import { AwsApiError, validationError } from '../../errors';
import type { AwsModel } from '../../model/aws-model';
import type { QueryParams } from '../../protocol/query-request';
import type { AutoScalingGroup, GroupLaunchTemplate, GroupSubnet, GroupTag } from '../group';

/** The group of this name, or AWS's not-found ValidationError. */
export function requireGroup(model: AwsModel, name: string): AutoScalingGroup {
  const group = model.autoscaling.groups.get(name);
  if (group === undefined) {
    throw validationError('AutoScalingGroup name not found - null');
  }
  return group;
}

/** Reads and resolves `LaunchTemplate.*`; undefined when the request has none. */
export function readLaunchTemplate(
  model: AwsModel,
  params: QueryParams,
): GroupLaunchTemplate | undefined {
  if (!params.has('LaunchTemplate')) {
    return undefined;
  }
  const spec = params.sub('LaunchTemplate');
  const id = spec.string('LaunchTemplateId');
  const name = spec.string('LaunchTemplateName');
  if (id === undefined && name === undefined) {
    throw validationError(
      'Valid requests must contain either launchTemplateId or LaunchTemplateName',
    );
  }
  if (id !== undefined && name !== undefined) {
    throw validationError(
      'Valid requests must contain either launchTemplateId or LaunchTemplateName, not both',
    );
  }
  const template =
    id === undefined ? model.templates.findByName(name ?? '') : model.templates.findById(id);
  if (template === undefined) {
    const which = id === undefined ? `template name ${name ?? ''}` : `template ID ${id}`;
    throw validationError(
      'You must use a valid fully-formed launch template. ' +
        `The specified launch template, with ${which}, does not exist.`,
    );
  }
  return {
    launchTemplateId: template.launchTemplateId,
    launchTemplateName: template.launchTemplateName,
    version: spec.string('Version'),
  };
}

/** Reads zones and subnets; at least one is required when `required`. */
export function readPlacement(
  model: AwsModel,
  params: QueryParams,
  required: boolean,
):
  | { availabilityZones: string[]; subnets: GroupSubnet[]; vpcZoneIdentifier: string | undefined }
  | undefined {
  const zones = params.strings('AvailabilityZones', true);
  const vpcZoneIdentifier = params.string('VPCZoneIdentifier');
  const subnetIds = (vpcZoneIdentifier ?? '')
    .split(',')
    .map(s => s.trim())
    .filter(s => s !== '');
  if (zones.length === 0 && subnetIds.length === 0) {
    if (required) {
      throw validationError('At least one Availability Zone or VPC Subnet is required.');
    }
    return undefined;
  }
  const known = model.autoscaling.zones.regionZones();
  for (const zone of zones) {
    if (!known.includes(zone)) {
      throw validationError(`The availability zone '${zone}' is not legal for this call.`);
    }
  }
  for (const subnetId of subnetIds) {
    if (!/^subnet-[0-9a-f]+$/.test(subnetId)) {
      throw validationError(`The subnet ID '${subnetId}' does not exist`);
    }
  }
  const subnets = subnetIds.map(subnetId => ({
    subnetId,
    availabilityZone: model.autoscaling.zones.zoneOf(subnetId),
  }));
  const subnetZones = [...new Set(subnets.map(s => s.availabilityZone))];
  return {
    availabilityZones: subnets.length > 0 ? subnetZones : zones,
    subnets,
    vpcZoneIdentifier,
  };
}

/** Reads `Tags.member.N.*`. */
export function readTags(params: QueryParams): GroupTag[] {
  return params.elements('Tags', true).map(tag => ({
    key: tag.requiredString('Key'),
    value: tag.string('Value') ?? '',
    propagateAtLaunch: tag.bool('PropagateAtLaunch') ?? false,
  }));
}

/** Checks min ≤ desired ≤ max with AWS's messages. */
export function validateSizes(minSize: number, maxSize: number, desired: number): void {
  if (minSize < 0 || maxSize < 0 || desired < 0) {
    throw validationError('Group size values must be non-negative.');
  }
  if (maxSize < minSize) {
    throw validationError(
      `Max bound, ${maxSize}, must be greater than or equal to min bound, ${minSize}`,
    );
  }
  if (desired < minSize || desired > maxSize) {
    throw validationError(
      `Desired capacity:${desired} must be between the specified min size:${minSize} and max size:${maxSize}`,
    );
  }
}

/** Rejects the launch sources the emulator does not model, instead of ignoring them. */
export function rejectUnmodelledSources(params: QueryParams): void {
  for (const name of ['LaunchConfigurationName', 'MixedInstancesPolicy', 'InstanceId']) {
    if (params.has(name)) {
      // TODO(when-a-test-needs-it): launch configurations, mixed instances policies and InstanceId are not modelled.
      throw new AwsApiError(
        'ValidationError',
        `${name} is not supported by this emulator; use LaunchTemplate.`,
      );
    }
  }
}
