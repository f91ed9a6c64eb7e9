// Reads a `taskfleet run` process's /metrics, /healthz and /readyz over HTTP, for the tests of
// the telemetry listener (B48, B53).

/** One sample line of Prometheus text: name, labels and value. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Parses Prometheus text exposition (no escapes in our label values). */
export function parseSamples(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null) {
      continue;
    }
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)) {
      labels[pair[1] ?? ''] = pair[2] ?? '';
    }
    samples.push({ name: match[1] ?? '', labels, value: Number(match[3]) });
  }
  return samples;
}

/** The samples of /metrics; an empty list while the listener does not answer yet. */
export async function scrape(port: number): Promise<Sample[]> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    return parseSamples(await res.text());
  } catch {
    return [];
  }
}

/** The value of the first sample of `name` whose labels include `labels`, or undefined. */
export function valueOf(
  samples: readonly Sample[],
  name: string,
  labels: Readonly<Record<string, string>> = {},
): number | undefined {
  return samples.find(
    s => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  )?.value;
}

/** GETs a JSON endpoint; undefined while the listener does not answer yet. */
export async function getJson(
  port: number,
  path: string,
): Promise<{ status: number; body: unknown } | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}${path}`);
    return { status: res.status, body: await res.json() };
  } catch {
    return undefined;
  }
}
