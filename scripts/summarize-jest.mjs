// Prints Jest's JSON results as the one plain line CI reads: "N passed, N failed, N skipped".
import { existsSync, readFileSync } from 'node:fs';

const file = process.argv[2];
if (!file || !existsSync(file) || readFileSync(file, 'utf8').trim() === '') {
  console.log('0 passed, 1 failed');
  process.exit(0);
}
const results = JSON.parse(readFileSync(file, 'utf8'));
const skipped = results.numPendingTests + results.numTodoTests;
// A suite that fails to load counts its file as one failure, since it has no test results.
const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
console.log(`${results.numPassedTests} passed, ${failed} failed, ${skipped} skipped`);
