#!/usr/bin/env node
import { join } from 'node:path';

import { StopSignalTracker } from '@taskfleet/emulator-launcher';
import { pino } from 'pino';

import { runCheck } from './commands/check-command';
import { runEmulators } from './commands/emulators-command';
import { runServices } from './commands/run-command';
import { runDemo } from './demo/demo-command';
import { buildProgram } from './program';
import { runSandbox } from './sandbox/sandbox-command';

// The AWS SDK warns on every command that its releases after January 2027 need Node 22. The
// versions in package-lock.json run on Node 20 and only change when we update them, so the
// warning says nothing an operator can act on; set the variable to "false" to see it again.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const writeLine = (line: string): void => {
  console.error(line);
};

// dist/main.js → the repository's examples/pipelines.
const examplesDir = join(__dirname, '..', '..', 'examples', 'pipelines');

function stopSignal(): AbortSignal {
  const controller = new AbortController();
  const signals = new StopSignalTracker();
  const stop = (signal: NodeJS.Signals): void => {
    const meaning = signals.meaningOf(signal);
    if (meaning === 'exit-now') {
      process.exit(130);
    }
    // A repeat within the window is the same keypress (terminal to the group, npm forwarding).
    controller.abort();
  };
  // `on`, not `once`: a later Ctrl-C while cleaning up exits at once.
  process.on('SIGINT', stop).on('SIGTERM', stop);
  return controller.signal;
}

buildProgram({
  async run(options) {
    process.exitCode = await runServices(options, writeLine, process.env);
  },
  async check(options) {
    process.exitCode = await runCheck(
      options,
      line => {
        console.log(line);
      },
      undefined,
      writeLine,
    );
  },
  async emulators(options) {
    const logger = pino({ level: options.logLevel }, pino.destination({ fd: 2, sync: true }));
    await runEmulators(options, logger, line => {
      console.log(line);
    });
  },
  async sandbox(options) {
    const logger = pino({ level: 'warn' }, pino.destination({ fd: 2, sync: true }));
    process.exitCode = await runSandbox(
      options,
      logger,
      {
        out: line => {
          console.log(line);
        },
        hint: writeLine,
      },
      stopSignal(),
    );
  },
  async demo(options) {
    const logger = pino({ level: 'warn' }, pino.destination({ fd: 2, sync: true }));
    const redraw = process.stderr.isTTY;
    process.exitCode = await runDemo(
      options,
      examplesDir,
      logger,
      {
        out: line => {
          if (redraw) {
            process.stderr.write('\r\u001b[2K');
          }
          console.log(line);
        },
        progress: line => {
          if (redraw) {
            process.stderr.write(`\r\u001b[2K${line}`);
          } else {
            console.error(line);
          }
        },
      },
      stopSignal(),
    );
    if (redraw) {
      process.stderr.write('\n');
    }
  },
})
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
