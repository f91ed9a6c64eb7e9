import { AwsApiError } from '../errors';
import type { Random } from '../random';
import type { Tag } from './instance';

/** The parts of launch template data the emulator uses; the rest is kept verbatim. */
export interface LaunchTemplateData {
  readonly imageId: string | undefined;
  readonly instanceType: string | undefined;
  readonly keyName: string | undefined;
  readonly userData: string | undefined;
  readonly securityGroupIds: readonly string[];
  /** Tags for instances launched from this template (TagSpecification with ResourceType instance). */
  readonly instanceTags: readonly Tag[];
}

/** A launch template (one version: CreateLaunchTemplateVersion is not modelled). */
export interface LaunchTemplate {
  readonly launchTemplateId: string;
  readonly launchTemplateName: string;
  readonly createTimeMs: number;
  readonly createdBy: string;
  readonly defaultVersionNumber: number;
  readonly latestVersionNumber: number;
  readonly tags: readonly Tag[];
  readonly data: LaunchTemplateData;
  readonly clientToken: string | undefined;
}

/** The region's launch templates. */
export class LaunchTemplateStore {
  private readonly byId = new Map<string, LaunchTemplate>();
  private readonly random: Random;

  constructor(random: Random) {
    this.random = random;
  }

  /** Creates a template, or returns the one made earlier with the same ClientToken. */
  create(
    input: Omit<
      LaunchTemplate,
      'launchTemplateId' | 'defaultVersionNumber' | 'latestVersionNumber'
    >,
  ): LaunchTemplate {
    if (input.clientToken !== undefined) {
      const earlier = [...this.byId.values()].find(t => t.clientToken === input.clientToken);
      if (earlier !== undefined) {
        if (earlier.launchTemplateName !== input.launchTemplateName) {
          throw new AwsApiError(
            'IdempotentParameterMismatch',
            'The client token you have provided is associated with a resource that is already deleted or a different request. Please use a different client token.',
          );
        }
        return earlier;
      }
    }
    if (this.findByName(input.launchTemplateName) !== undefined) {
      throw new AwsApiError(
        'InvalidLaunchTemplateName.AlreadyExistsException',
        `Launch template name already in use.`,
      );
    }
    const template: LaunchTemplate = {
      ...input,
      launchTemplateId: `lt-${this.random.hex(17)}`,
      defaultVersionNumber: 1,
      latestVersionNumber: 1,
    };
    this.byId.set(template.launchTemplateId, template);
    return template;
  }

  /** The template with this id. */
  findById(launchTemplateId: string): LaunchTemplate | undefined {
    return this.byId.get(launchTemplateId);
  }

  /** The template with this name. */
  findByName(launchTemplateName: string): LaunchTemplate | undefined {
    return [...this.byId.values()].find(t => t.launchTemplateName === launchTemplateName);
  }

  /** Every template, oldest first. */
  list(): LaunchTemplate[] {
    return [...this.byId.values()];
  }
}

/** Resolves `$Latest`, `$Default` or a number to a version number of a one-version template. */
export function resolveTemplateVersion(
  template: LaunchTemplate,
  version: string | undefined,
): string | undefined {
  if (version === undefined || version === '$Default') {
    return String(template.defaultVersionNumber);
  }
  if (version === '$Latest') {
    return String(template.latestVersionNumber);
  }
  return /^\d+$/.test(version) &&
    Number(version) >= 1 &&
    Number(version) <= template.latestVersionNumber
    ? version
    : undefined;
}
