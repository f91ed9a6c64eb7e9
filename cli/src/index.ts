/** The taskfleet command's parts, for tests and for embedding the services in one process. */
export { buildProgram } from './program';
export type { CommandHandlers } from './program';
export type { RunOptions } from './commands/run-options';
export { parseRole } from './commands/run-options';
export { configErrorExitCode, loadOrReport, runServices } from './commands/run-command';
export {
  awsGroupChecker,
  checkProblemsExitCode,
  checkUnreadableExitCode,
  runCheck,
} from './commands/check-command';
export type { CheckOptions, GroupChecker } from './commands/check-command';
export { CliError } from './errors';
export type { CliErrorCode } from './errors';
export { startServices, serviceRoles } from './wiring/services';
export type { ServiceRole } from './wiring/services';
export type { RunningService } from './wiring/service';
export { closeAll } from './wiring/service';
export { connectRedis } from './wiring/redis';
export { startDemoWorld, demoClusterId, demoMaxInstances } from './demo/demo-world';
export type { DemoWorld } from './demo/demo-world';
export { demoConfigToml } from './demo/demo-config';
export type { DemoConfigInput } from './demo/demo-config';
export { readExpectation, readVariables } from './demo/project-files';
export type { DeclaredVariable, PipelineExpectation } from './demo/project-files';
