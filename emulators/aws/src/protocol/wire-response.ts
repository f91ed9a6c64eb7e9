/** One HTTP response produced by a protocol encoder. */
export interface WireResponse {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
  readonly headers?: Readonly<Record<string, string>>;
}
