import { parseBasicAuth } from './parse-basic-auth';

const basic = (text: string): string => `Basic ${Buffer.from(text).toString('base64')}`;

describe('parseBasicAuth', () => {
  it('decodes user and password, keeping colons in the password', () => {
    expect(parseBasicAuth(basic('gitlab-ci-token:glcbt-a:b'))).toEqual({
      username: 'gitlab-ci-token',
      password: 'glcbt-a:b',
    });
    expect(parseBasicAuth(`bAsIc  ${Buffer.from('u:').toString('base64')}`)).toEqual({
      username: 'u',
      password: '',
    });
  });

  it('rejects other schemes and malformed values', () => {
    expect(parseBasicAuth(undefined)).toBeUndefined();
    expect(parseBasicAuth('')).toBeUndefined();
    expect(parseBasicAuth('Bearer abc')).toBeUndefined();
    expect(parseBasicAuth('Basic')).toBeUndefined();
    expect(parseBasicAuth('Basic !!!')).toBeUndefined();
    expect(parseBasicAuth(basic('no-colon'))).toBeUndefined();
  });
});
