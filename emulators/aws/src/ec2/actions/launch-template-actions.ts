import { AwsApiError } from '../../errors';
import type { QueryHandler } from '../../protocol/handler';
import { paginate } from '../../protocol/pagination';
import { matchesAny, readFilters, readTagSpecifications, tagSetXml } from '../ec2-params';
import type { LaunchTemplate } from '../launch-templates';

function templateXml(
  t: LaunchTemplate,
): Record<string, string | number | Date | { key: string; value: string }[]> {
  return {
    launchTemplateId: t.launchTemplateId,
    launchTemplateName: t.launchTemplateName,
    createTime: new Date(t.createTimeMs),
    createdBy: t.createdBy,
    defaultVersionNumber: t.defaultVersionNumber,
    latestVersionNumber: t.latestVersionNumber,
    tagSet: tagSetXml(t.tags),
  };
}

/** CreateLaunchTemplate: one version; the ClientToken makes a retry return the same template. */
export const createLaunchTemplate: QueryHandler = (model, params) => {
  const name = params.requiredString('LaunchTemplateName');
  if (name.length < 3 || name.length > 128 || !/^[a-zA-Z0-9().\-/_]+$/.test(name)) {
    throw new AwsApiError(
      'InvalidLaunchTemplateName.MalformedException',
      "A launch template name must be between 3 and 128 characters, and may contain letters, numbers, and the following characters: - ( ) . / _.'",
    );
  }
  if (!params.has('LaunchTemplateData')) {
    throw new AwsApiError(
      'MissingParameter',
      'The request must contain the parameter LaunchTemplateData',
    );
  }
  const data = params.sub('LaunchTemplateData');
  const template = model.templates.create({
    launchTemplateName: name,
    createTimeMs: model.ctx.clock.now(),
    createdBy: `arn:aws:iam::${model.ctx.accountId}:root`,
    tags: readTagSpecifications(params, 'TagSpecification', 'launch-template'),
    clientToken: params.string('ClientToken'),
    data: {
      imageId: data.string('ImageId'),
      instanceType: data.string('InstanceType'),
      keyName: data.string('KeyName'),
      userData: data.string('UserData'),
      securityGroupIds: data.strings('SecurityGroupId', false),
      instanceTags: readTagSpecifications(data, 'TagSpecification', 'instance'),
    },
  });
  return { launchTemplate: templateXml(template) };
};

/** DescribeLaunchTemplates: by id, name or filter, paged with MaxResults (1–200). */
export const describeLaunchTemplates: QueryHandler = (model, params) => {
  const ids = params.strings('LaunchTemplateId', false);
  const names = params.strings('LaunchTemplateName', false);
  const filters = readFilters(params);
  const maxResults = params.int('MaxResults') ?? 200;
  if (maxResults < 1 || maxResults > 200) {
    throw new AwsApiError(
      'InvalidParameterValue',
      `Value ( ${maxResults} ) for parameter maxResults is invalid.`,
    );
  }
  for (const id of ids) {
    if (model.templates.findById(id) === undefined) {
      throw new AwsApiError(
        'InvalidLaunchTemplateId.NotFound',
        `The specified launch template, with template ID ${id}, does not exist.`,
      );
    }
  }
  if (names.some(n => model.templates.findByName(n) === undefined)) {
    throw new AwsApiError(
      'InvalidLaunchTemplateName.NotFoundException',
      'At least one of the launch templates specified in the request does not exist.',
    );
  }
  const templates = model.templates
    .list()
    .filter(
      t =>
        (ids.length === 0 || ids.includes(t.launchTemplateId)) &&
        (names.length === 0 || names.includes(t.launchTemplateName)),
    )
    .filter(t =>
      filters.every(f => {
        if (f.name === 'launch-template-name') {
          return matchesAny(t.launchTemplateName, f.values);
        }
        if (f.name.startsWith('tag:')) {
          return t.tags.some(tag => tag.key === f.name.slice(4) && matchesAny(tag.value, f.values));
        }
        if (f.name === 'tag-key') {
          return t.tags.some(tag => matchesAny(tag.key, f.values));
        }
        throw new AwsApiError('InvalidParameterValue', `The filter '${f.name}' is invalid`);
      }),
    );
  const page = paginate(
    templates,
    maxResults,
    params.string('NextToken'),
    `dlt:${JSON.stringify(filters)}`,
    'InvalidNextToken',
  );
  return { launchTemplates: page.items.map(templateXml), nextToken: page.nextToken };
};
