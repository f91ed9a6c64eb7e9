import type { PipelineFactory } from './pipeline-port';

/** Compiles pipelines with the CI module (src/ci). */
export const ciPipelineFactory: PipelineFactory = () => ({
  ok: false,
  // TODO(#2): replace with the CI module's createPipeline once src/ci/index.ts lands.
  errors: ['the CI module is not available yet'],
});
