import parsePrometheusTextFormat from 'parse-prometheus-text-format';

type Families = ReturnType<typeof parsePrometheusTextFormat>;
type Sample = Families[number]['metrics'][number];

/**
 * A `/metrics` page parsed by an independent Prometheus text-format parser, with lookups by name
 * and labels. That parser folds a histogram's series into one sample and drops every labelled
 * `_count` and `_sum` (its `flattenMetrics`), so a histogram with labels would read as empty:
 * the samples are also read from a second parse without the histograms' `# TYPE` lines, where
 * `_bucket`, `_count` and `_sum` are series of their own, labels and all.
 */
export class Scrape {
  /** The families as declared (names, types, help). */
  readonly families: Families;
  private readonly series = new Map<string, Sample[]>();

  constructor(readonly text: string) {
    this.families = parsePrometheusTextFormat(text);
    const untyped = text.replace(/^# TYPE \S+ histogram$/gm, '');
    for (const family of parsePrometheusTextFormat(untyped)) {
      this.series.set(family.name, [...(this.series.get(family.name) ?? []), ...family.metrics]);
    }
  }

  /** Fetches and parses `url` (with `headers`); fails on anything but a 200 in the text format. */
  static async of(url: string, headers: Record<string, string> = {}): Promise<Scrape> {
    const response = await fetch(url, { headers });
    if (response.status !== 200) throw new Error(`GET ${url}: ${response.status} ${await response.text()}`);
    const type = response.headers.get('content-type') ?? '';
    if (!type.startsWith('text/plain')) throw new Error(`GET ${url}: content-type ${type}`);
    return new Scrape(await response.text());
  }

  family(name: string): Families[number] {
    const found = this.families.find((f) => f.name === name);
    if (!found) throw new Error(`no metric family ${name} in the scrape`);
    return found;
  }

  /** The sample of a counter or gauge with exactly these labels, as a number. */
  value(name: string, labels: Record<string, string> = {}): number {
    const wanted = JSON.stringify(Object.entries(labels).sort());
    const sample = (this.series.get(name) ?? []).find((m) => JSON.stringify(Object.entries(m.labels ?? {}).sort()) === wanted);
    if (sample?.value === undefined) throw new Error(`no ${name} sample with labels ${wanted}`);
    return Number(sample.value);
  }

  /** A histogram's count of observations with these labels. */
  count(name: string, labels: Record<string, string> = {}): number {
    if (this.family(name).type !== 'HISTOGRAM') throw new Error(`${name} is not a histogram`);
    return this.value(`${name}_count`, labels);
  }
}
