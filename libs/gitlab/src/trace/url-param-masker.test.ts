import { UrlParamMasker } from './url-param-masker';

function run(parts: readonly string[]): string {
  const masker = new UrlParamMasker();
  const out: Buffer[] = [];
  for (const part of parts) {
    out.push(...masker.write(Buffer.from(part)));
  }
  out.push(...masker.end());
  return Buffer.concat(out).toString();
}

describe('UrlParamMasker', () => {
  it.each<[string, string, string]>([
    [
      'private_token',
      'GET /api?private_token=abc123&page=2 ok',
      'GET /api?private_token=[MASKED]&page=2 ok',
    ],
    ['case-insensitive key', 'x?Private_Token=abc done', 'x?Private_Token=[MASKED] done'],
    [
      'presigned S3 URL',
      'https://s3/b/k?X-Amz-Credential=AK/2026/us/s3/aws4_request&X-Amz-Signature=ff00 ',
      'https://s3/b/k?X-Amz-Credential=[MASKED]&X-Amz-Signature=[MASKED] ',
    ],
    ['value at the end of the stream', 'u?rss_token=zzz', 'u?rss_token=[MASKED]'],
    ['empty value', 'u?rss_token=&a=1', 'u?rss_token=[MASKED]&a=1'],
    ['ordinary params untouched', 'u?page=1&per_page=2&token=3', 'u?page=1&per_page=2&token=3'],
    ['a key without = is text', 'a & b ? c', 'a & b ? c'],
    [
      'value ends at a newline',
      'u?authenticity_token=q+w==\nnext',
      'u?authenticity_token=[MASKED]\nnext',
    ],
    ['separator inside a key restarts', 'u?x&private_token=s', 'u?x&private_token=[MASKED]'],
  ])('%s', (_name, input, expected) => {
    expect(run([input])).toBe(expected);
  });

  it('masks across every split into 2 and 3 writes', () => {
    const line = 'curl "https://gl/api/v4/projects?private_token=glpat-xyz&x=1" && echo\n';
    const expected = 'curl "https://gl/api/v4/projects?private_token=[MASKED]&x=1" && echo\n';
    for (let a = 0; a <= line.length; a++) {
      expect(run([line.slice(0, a), line.slice(a)])).toBe(expected);
      for (let b = a; b <= line.length; b += 3) {
        expect(run([line.slice(0, a), line.slice(a, b), line.slice(b)])).toBe(expected);
      }
    }
  });

  it('holds at most one separator plus the longest key', () => {
    const masker = new UrlParamMasker();
    masker.write(Buffer.from('see ?x-amz-security-toke'));
    expect(masker.heldBytes).toBeLessThanOrEqual(1 + 'x-amz-security-token'.length);
    expect(Buffer.concat(masker.write(Buffer.from('n=abc def'))).toString()).toBe(
      '?x-amz-security-token=[MASKED] def',
    );
  });
});
