// The OTLP/HTTP trace receiver, shared with the benchmarks: the code is in
// bench/src/support/otlp-receiver.ts (bench/ compiles only its own src/), the tests import it here.
export { startOtlpReceiver } from '../../../bench/src/support/otlp-receiver';
export type { OtlpReceiver, ReceivedSpan } from '../../../bench/src/support/otlp-receiver';
