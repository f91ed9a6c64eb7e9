// Running commands over the fleeting SSH connector against real OpenSSH sshd: output streams,
// stdin, exit codes, env kept off the command line, backpressure, several at once.
import { PassThrough } from 'node:stream';

import type { SshConnection } from '@taskfleet/fleeting';

import type { SshdInstanceProcess } from '../../emulators/aws/src/instances';
import {
  collector,
  commandLines,
  eventually,
  useConnectorWorld,
} from './support/fleeting-ssh-world';

jest.setTimeout(60_000);

describe('fleeting SSH connector: commands on a live connection', () => {
  const world = useConnectorWorld();
  let shared: SshdInstanceProcess;
  let connection: SshConnection;
  beforeAll(() => {
    shared = world.shared;
    connection = world.connection;
  });

  it('streams stdout and stderr while the command runs and reports the exit code', async () => {
    const stderr = collector();
    const stdin = new PassThrough();
    let stdout = '';
    const result = await connection.run({
      command: 'echo first; printf oops >&2; read reply; echo "second $reply"; exit 3',
      stdin,
      onStdout: chunk => {
        stdout += chunk.toString();
        // The command waits for this line, so the first chunk must arrive before it ends.
        if (stdout === 'first\n') {
          stdin.end('ack\n');
        }
      },
      onStderr: stderr.sink,
    });
    expect(result).toEqual({ exitCode: 3 });
    expect(stdout).toBe('first\nsecond ack\n');
    expect(stderr.text()).toBe('oops');
  });

  it('runs a script sent through stdin, not through the command line', async () => {
    const script = [
      'set -e',
      'word=$(printf "%s" "$((6 * 7))")',
      'echo "answer $word"',
      'exit 0',
      '',
    ].join('\n');
    const stdout = collector();
    const result = await connection.run({ command: 'sh -s', stdin: script, onStdout: stdout.sink });
    expect(result.exitCode).toBe(0);
    expect(stdout.text()).toBe('answer 42\n');
  });

  it('passes a large stdin buffer through intact', async () => {
    const payload = Buffer.alloc(3 * 1024 * 1024, 'x');
    const stdout = collector();
    const result = await connection.run({
      command: 'wc -c',
      stdin: payload,
      onStdout: stdout.sink,
    });
    expect(result.exitCode).toBe(0);
    expect(stdout.text().trim()).toBe(String(payload.length));
  });

  it('reports a non-zero exit code as a result, not an error', async () => {
    await expect(connection.run({ command: 'exit 42' })).resolves.toEqual({ exitCode: 42 });
    await expect(connection.run({ command: 'true' })).resolves.toEqual({ exitCode: 0 });
  });

  it('exports env for the command without putting values in any process argument', async () => {
    const secret = `s3cr3t-${process.pid}-value`;
    const stdin = new PassThrough();
    const stdout = collector();
    const running = connection.start({
      command: 'read line; printf "%s|%s|%s" "$TASKFLEET_SECRET" "$QUOTED" "$line"',
      env: { TASKFLEET_SECRET: secret, QUOTED: 'it\'s "quoted"\nand multi-line' },
      stdin,
      onStdout: stdout.sink,
    });
    // The command now blocks on `read`: look at every process of the instance meanwhile.
    expect(
      await eventually(() => commandLines(shared).some(line => line.includes('read line')), 5_000),
    ).toBe(true);
    for (const line of commandLines(shared)) {
      expect(line).not.toContain(secret);
      expect(line).not.toContain(Buffer.from(secret).toString('base64'));
    }
    stdin.end('from stdin\n');
    await expect(running.result).resolves.toEqual({ exitCode: 0 });
    expect(stdout.text()).toBe(`${secret}|it's "quoted"\nand multi-line|from stdin`);
  });

  it('respects backpressure from a slow output sink and loses nothing', async () => {
    const byteCount = 2 * 1024 * 1024;
    let received = 0;
    let inSink = 0;
    let maxInSink = 0;
    const result = await connection.run({
      command: `head -c ${byteCount} /dev/zero`,
      onStdout: async chunk => {
        inSink += 1;
        maxInSink = Math.max(maxInSink, inSink);
        received += chunk.length;
        await new Promise(resolve => setImmediate(resolve));
        inSink -= 1;
      },
    });
    expect(result.exitCode).toBe(0);
    expect(received).toBe(byteCount);
    expect(maxInSink).toBe(1);
  });

  it('runs several commands on one connection at once', async () => {
    const outputs = await Promise.all(
      [1, 2, 3, 4].map(async n => {
        const stdout = collector();
        await connection.run({ command: `sleep 0.2; echo ${n}`, onStdout: stdout.sink });
        return stdout.text();
      }),
    );
    expect(outputs).toEqual(['1\n', '2\n', '3\n', '4\n']);
  });
});
