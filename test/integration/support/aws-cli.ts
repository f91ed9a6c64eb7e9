import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Which awscli to run: v1 is `aws` on PATH (pip), v2 is Debian's `/usr/bin/aws`. */
export type AwsCliVersion = 'v1' | 'v2';

/** One finished awscli invocation, with its output parsed. */
export interface AwsCliResult {
  readonly argv: readonly string[];
  /** The process exit code; null when it was killed (see timedOut). */
  readonly exitCode: number | null;
  readonly timedOut: boolean;
  /** Wall time of the invocation, for spotting a slow server or a loaded machine. */
  readonly durationMs: number;
  readonly stdout: string;
  readonly stderr: string;
  /** The parsed JSON of stdout, or undefined when stdout was empty (actions without output). */
  readonly json: unknown;
  /** The service error code from "An error occurred (Code) when calling …", if any. */
  readonly errorCode: string | undefined;
  readonly errorMessage: string | undefined;
}

/** Options for one invocation. */
export interface AwsCliRunOptions {
  /** Kill the CLI after this long; a pagination token that never ends would otherwise loop forever. */
  readonly timeoutMs?: number;
}

const executables: Readonly<Record<AwsCliVersion, string>> = { v1: 'aws', v2: '/usr/bin/aws' };
const defaultTimeoutMs = 30_000;
const errorLine =
  /An error occurred \(([^)]+)\) when calling the \w+ operation(?: \([^)]*\))?: (.*)/;

/** Runs one awscli version against one endpoint with dummy credentials and no shared config. */
export class AwsCli {
  private constructor(
    readonly version: AwsCliVersion,
    private readonly endpoint: string,
    private readonly configDir: string,
  ) {}

  /** Creates empty config and credentials files so nothing from the machine's ~/.aws leaks in. */
  static async create(version: AwsCliVersion, endpoint: string): Promise<AwsCli> {
    const configDir = await mkdtemp(join(tmpdir(), `taskfleet-awscli-${version}-`));
    await writeFile(join(configDir, 'config'), '');
    await writeFile(join(configDir, 'credentials'), '');
    return new AwsCli(version, endpoint, configDir);
  }

  /** The path of a scratch file inside this CLI's temp dir (removed by close). */
  scratchPath(name: string): string {
    return join(this.configDir, name);
  }

  /** Runs `aws <args>` with --endpoint-url every time: awscli 2.9.19 ignores AWS_ENDPOINT_URL. */
  async run(args: readonly string[], options: AwsCliRunOptions = {}): Promise<AwsCliResult> {
    const argv = [
      ...args,
      '--endpoint-url',
      this.endpoint,
      '--region',
      'us-east-1',
      '--output',
      'json',
      '--cli-connect-timeout',
      '5',
      '--cli-read-timeout',
      '20',
    ];
    return this.exec(argv, options.timeoutMs ?? defaultTimeoutMs);
  }

  /** The CLI's own version line, e.g. `aws-cli/2.9.19 Python/3.11.2 …`. */
  async versionLine(): Promise<string> {
    const result = await this.exec(['--version'], defaultTimeoutMs);
    // v1 has printed its version to stderr in some releases and to stdout in others.
    return `${result.stdout}${result.stderr}`.trim();
  }

  private async exec(argv: readonly string[], timeoutMs: number): Promise<AwsCliResult> {
    const startedAt = Date.now();
    return new Promise(resolve => {
      execFile(
        executables[this.version],
        argv,
        {
          env: this.environment(),
          timeout: timeoutMs,
          maxBuffer: 8 * 1024 * 1024,
          encoding: 'utf8',
        },
        (error, stdout, stderr) => {
          const killed = error !== null && error.killed === true;
          const exitCode = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
          const match = errorLine.exec(stderr);
          resolve({
            argv,
            exitCode: killed ? null : exitCode,
            timedOut: killed,
            durationMs: Date.now() - startedAt,
            stdout,
            // A CLI that could not start at all (ENOENT) leaves stderr empty; say why instead.
            stderr: error !== null && exitCode === null && !killed ? error.message : stderr,
            json: parseJson(stdout),
            errorCode: match?.[1],
            errorMessage: match?.[2],
          });
        },
      );
    });
  }

  /** Removes the temp config dir. */
  async close(): Promise<void> {
    await rm(this.configDir, { recursive: true, force: true });
  }

  private environment(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    for (const [key, value] of Object.entries(process.env)) {
      // Drop every AWS_* the machine has, so only the settings below reach the CLI.
      if (!key.startsWith('AWS_')) {
        env[key] = value;
      }
    }
    return {
      ...env,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_CONFIG_FILE: join(this.configDir, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(this.configDir, 'credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
      // v1 retries throttling 5 times and v2 3 times by default; one attempt keeps errors fast.
      AWS_MAX_ATTEMPTS: '1',
      AWS_RETRY_MODE: 'standard',
      AWS_PAGER: '',
      AWS_CLI_AUTO_PROMPT: 'off',
    };
  }
}

function parseJson(stdout: string): unknown {
  const text = stdout.trim();
  if (text === '') {
    return undefined;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { unparsableStdout: text };
  }
}
