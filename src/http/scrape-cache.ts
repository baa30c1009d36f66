/**
 * One rendering of /metrics serves every scrape that arrives while it is made and for
 * `maxAgeMs` after it (an HA pair of Prometheus servers, a dashboard's ad-hoc queries, a
 * client storm): N concurrent scrapes cost one rendering, not N. At most `maxWaiting`
 * scrapes wait on a rendering at once; beyond that a scrape is refused (503, Retry-After),
 * so a storm cannot pile up sockets and memory.
 */
export interface ScrapeCacheOptions {
  maxAgeMs?: number;
  maxWaiting?: number;
  now?: () => number;
}

export class ScrapeCache {
  private inflight: Promise<string> | undefined;
  private last: { body: string; at: number } | undefined;
  private waiting = 0;
  /** Renderings made, scrapes answered from one, and scrapes refused. */
  readonly counts = { renders: 0, shared: 0, refused: 0 };
  private readonly maxAgeMs: number;
  private readonly maxWaiting: number;
  private readonly now: () => number;

  constructor(
    private readonly render: () => Promise<string>,
    opts: ScrapeCacheOptions = {},
  ) {
    this.maxAgeMs = opts.maxAgeMs ?? 250;
    this.maxWaiting = opts.maxWaiting ?? 32;
    this.now = opts.now ?? Date.now;
  }

  /** The body for one scrape; undefined when refused. */
  async get(): Promise<string | undefined> {
    const t = this.now();
    if (this.last !== undefined && t - this.last.at < this.maxAgeMs && t >= this.last.at) {
      this.counts.shared++;
      return this.last.body;
    }
    if (this.waiting >= this.maxWaiting) {
      this.counts.refused++;
      return undefined;
    }
    this.waiting++;
    try {
      if (this.inflight !== undefined) {
        this.counts.shared++;
        return await this.inflight;
      }
      this.counts.renders++;
      this.inflight = this.render().then((body) => {
        this.last = { body, at: this.now() };
        return body;
      });
      try {
        return await this.inflight;
      } finally {
        this.inflight = undefined;
      }
    } finally {
      this.waiting--;
    }
  }
}
