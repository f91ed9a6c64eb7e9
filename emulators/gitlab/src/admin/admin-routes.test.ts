import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { ManualClock } from '../clock';
import { adminRoutes } from './admin-routes';
import { startGitlabEmulator } from '../start-emulator';

describe('admin routes', () => {
  it('are all documented in the package README, and the README names no route that is missing', async () => {
    const emulator = await startGitlabEmulator();
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Admin API'), readme.indexOf('## Not modelled'));
    const documented = new Set<string>();
    for (const match of section.matchAll(/`((?:GET|POST|PATCH|DELETE) \/[^`]*)`/g)) {
      documented.add(match[1]!.replace(/:\w+/g, ':x'));
    }
    const routes = adminRoutes(emulator.admin, new ManualClock()).map(
      route =>
        `${route.method} ${route.pattern.source
          .slice(1, -1)
          .replace(/\(\?<\w+>\[\^\/\]\+\)/g, ':x')
          .replaceAll('\\/', '/')}`,
    );
    await emulator.close();
    expect([...documented].sort()).toEqual([...new Set(routes)].sort());
  });
});
