import { parseCgiHead } from './cgi-response';

describe('parseCgiHead', () => {
  it('waits for the blank line that ends the head', () => {
    expect(parseCgiHead(Buffer.from('Content-Type: text/plain\r\n'))).toBeUndefined();
  });

  it('takes the status line apart and keeps the body bytes', () => {
    const head = parseCgiHead(
      Buffer.from(
        'Status: 404 Not Found\r\nExpires: Fri, 01 Jan 1980\r\nPragma: no-cache\r\n\r\nbody',
      ),
    );

    expect(head).toMatchObject({ statusCode: 404, statusMessage: 'Not Found' });
    expect(head?.headers).toEqual([
      ['Expires', 'Fri, 01 Jan 1980'],
      ['Pragma', 'no-cache'],
    ]);
    expect(head?.rest.toString()).toBe('body');
  });

  it('defaults to 200 and accepts bare newlines', () => {
    const head = parseCgiHead(Buffer.from('Content-Type: application/x-git\n\n0008NAK\n'));

    expect(head).toMatchObject({ statusCode: 200, statusMessage: undefined });
    expect(head?.headers).toEqual([['Content-Type', 'application/x-git']]);
    expect(head?.rest.toString()).toBe('0008NAK\n');
  });
});
