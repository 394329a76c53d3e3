/**
 * Notifications, a plug point: a Notifier gets each coded error at once and a digest at the end
 * of a run. The built-in one POSTs JSON to webhooks (`dicom.notify: [{webhook: URL}]`). A failing
 * webhook is logged as a warning and never fails the run.
 */
import type { Logger } from "@ingestkit/core";

export interface ErrorEvent {
  file: string;
  code: string;
  message: string;
}

export interface RunDigest {
  input: string;
  output: string;
  completed: number;
  failed: number;
  files: string[];
  failures: ErrorEvent[];
}

export interface Notifier {
  error(e: ErrorEvent): void;
  digest(d: RunDigest): void;
  /** Waits for every notification sent so far. */
  flush(): Promise<void>;
}

export class WebhookNotifier implements Notifier {
  private readonly pending: Array<Promise<void>> = [];

  constructor(
    private readonly urls: readonly string[],
    private readonly log: Logger,
  ) {}

  error(e: ErrorEvent): void {
    this.post({ kind: "error", ...e });
  }

  digest(d: RunDigest): void {
    this.post({ kind: "digest", ...d });
  }

  async flush(): Promise<void> {
    while (this.pending.length) await Promise.all(this.pending.splice(0));
  }

  private post(body: Record<string, unknown>): void {
    for (const url of this.urls) {
      this.pending.push(
        fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) })
          .then((r) => {
            if (!r.ok) this.log.warn(`notification to ${url} answered HTTP ${r.status}`);
          })
          .catch((err: unknown) => this.log.warn(`notification to ${url} failed: ${(err as Error).message}`)),
      );
    }
  }
}
