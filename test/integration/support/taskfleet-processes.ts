// `taskfleet run <role>` child processes and a bounded poll, shared with the benchmarks: the code
// is in bench/src/support/taskfleet-processes.ts (bench/ compiles only its own src/), the tests
// import it from here.
export {
  killTaskfleetRuns,
  startTaskfleetRun,
  stopTaskfleetRun,
  until,
} from '../../../bench/src/support/taskfleet-processes';
export type { TaskfleetProcess } from '../../../bench/src/support/taskfleet-processes';
