#!/usr/bin/env node
import { pino } from 'pino';

import { runServices } from './commands/run-command';
import { runEmulators } from './commands/emulators-command';
import { buildProgram } from './program';

const writeLine = (line: string): void => {
  console.error(line);
};

buildProgram({
  async run(options) {
    process.exitCode = await runServices(options, writeLine);
  },
  async emulators(options) {
    const logger = pino({ level: options.logLevel }, pino.destination({ fd: 2, sync: true }));
    await runEmulators(options, logger, line => {
      console.log(line);
    });
  },
})
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
