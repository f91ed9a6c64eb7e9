import { GitlabEmulatorError } from '../errors';
import type { Repository } from '../git/index';
import type { ProjectVariable } from '../pipeline-port';

/** An emulated GitLab project with its repository and CI/CD variables. */
export interface ProjectRecord {
  readonly id: number;
  readonly name: string;
  readonly pathWithNamespace: string;
  readonly namespacePath: string;
  /** GitLab ids namespaces apart from projects; one id per namespace path here. */
  readonly namespaceId: number;
  readonly repository: Repository;
  readonly variables: Map<string, ProjectVariable>;
}

/** All projects, by id and by path. */
export class ProjectRegistry {
  private nextId = 1;
  private readonly projects = new Map<number, ProjectRecord>();
  private readonly namespaceIds = new Map<string, number>();

  /** Reserves the next project id (the repository is created before the record). */
  allocateId(): number {
    return this.nextId++;
  }

  add(id: number, pathWithNamespace: string, repository: Repository): ProjectRecord {
    if (this.byPath(pathWithNamespace) !== undefined) {
      throw new GitlabEmulatorError('conflict', 'could not create project: path taken');
    }
    const slash = pathWithNamespace.lastIndexOf('/');
    const namespacePath = slash < 0 ? '' : pathWithNamespace.slice(0, slash);
    const namespaceId = this.namespaceIds.get(namespacePath) ?? this.namespaceIds.size + 1;
    this.namespaceIds.set(namespacePath, namespaceId);
    const project: ProjectRecord = {
      id,
      name: pathWithNamespace.slice(slash + 1),
      pathWithNamespace,
      namespacePath,
      namespaceId,
      repository,
      variables: new Map(),
    };
    this.projects.set(id, project);
    return project;
  }

  get(id: number): ProjectRecord {
    const project = this.projects.get(id);
    if (project === undefined) {
      throw new GitlabEmulatorError('not_found', 'could not find project');
    }
    return project;
  }

  byPath(pathWithNamespace: string): ProjectRecord | undefined {
    for (const project of this.projects.values()) {
      if (project.pathWithNamespace === pathWithNamespace) {
        return project;
      }
    }
    return undefined;
  }

  all(): ProjectRecord[] {
    return [...this.projects.values()];
  }
}
