import { parseListenAddressOption } from './run-options';

describe('--listen-address', () => {
  it.each([
    ['127.0.0.1:9252', { host: '127.0.0.1', port: 9252 }],
    [':9253', { host: '', port: 9253 }],
    ['[::1]:9254', { host: '::1', port: 9254 }],
    ['localhost:0', { host: 'localhost', port: 0 }],
    ['off', null],
  ])('reads %s', (text, expected) => {
    expect(parseListenAddressOption(text)).toEqual(expected);
  });

  it.each(['9252', '127.0.0.1:', '127.0.0.1:70000', '::1:9252', 'host:port'])(
    'refuses %s',
    text => {
      expect(() => parseListenAddressOption(text)).toThrow('expected "host:port"');
    },
  );
});
