import { isoSeconds, repositoryUrl, slugify } from './predefined';
import { testProject } from './test-support';

describe('slugify', () => {
  it.each([
    ['main', 'main'],
    ['feature/Add_Login', 'feature-add-login'],
    ['-edge-', 'edge'],
    ['v1.4.0', 'v1-4-0'],
    ['a'.repeat(70), 'a'.repeat(63)],
    [`${'a'.repeat(62)}/b`, 'a'.repeat(62)],
  ])('%s becomes %s', (text, slug) => {
    expect(slugify(text)).toBe(slug);
  });
});

describe('isoSeconds', () => {
  it('drops milliseconds', () => {
    expect(isoSeconds(new Date('2026-12-03T09:00:00.123Z'))).toBe('2026-12-03T09:00:00Z');
  });
});

describe('repositoryUrl', () => {
  it('puts the job token into the project URL', () => {
    expect(repositoryUrl(testProject, 'glcbt-64_x')).toBe(
      'http://gitlab-ci-token:glcbt-64_x@127.0.0.1:8080/acme/widgets.git',
    );
  });
});
