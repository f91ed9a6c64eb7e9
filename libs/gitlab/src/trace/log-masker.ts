import { StreamMasker, defaultTokenPrefixes } from './masker';
import { UrlParamMasker } from './url-param-masker';

/**
 * GitLab Runner's masking stack for one job log, as a stream: masked values, then token
 * prefixes (its defaults plus the job's), then sensitive URL parameters.
 */
export class LogMasker {
  private readonly values: StreamMasker;
  private readonly params = new UrlParamMasker();

  constructor(options: {
    maskedValues?: readonly string[];
    tokenMaskPrefixes?: readonly string[];
  }) {
    this.values = new StreamMasker({
      phrases: options.maskedValues ?? [],
      tokenPrefixes: [...defaultTokenPrefixes, ...(options.tokenMaskPrefixes ?? [])],
    });
  }

  /** Bytes held back across all stages because they may start a secret. */
  get heldBytes(): number {
    return this.values.heldBytes + this.params.heldBytes;
  }

  /** Masks `chunk`; returns what is safe to emit now. */
  write(chunk: Uint8Array): Buffer[] {
    return this.values.write(chunk).flatMap(piece => this.params.write(piece));
  }

  /** Ends the stream and returns everything still held, masked. */
  end(): Buffer[] {
    return [...this.values.end().flatMap(piece => this.params.write(piece)), ...this.params.end()];
  }
}
