/**
 * A span exporter that says when its exports fail. The SDK hands a failed export to OpenTelemetry's
 * global error handler, which logs nowhere unless a global diag logger is set (and a global one would
 * be shared by every app in the process): without this, a collector that is down drops every span silently.
 */
import { ExportResultCode } from '@opentelemetry/core';
import type { SpanExporter } from '@opentelemetry/sdk-trace';

export interface ExportFailureOptions {
  /** Told of failed exports: the first at once, then at most once per `intervalMs`, with how many failed since it was last told. */
  onFailure: (error: Error, failures: number) => void;
  /** @default 60_000 */
  intervalMs?: number;
}

export function reportingFailures(exporter: SpanExporter, { onFailure, intervalMs = 60_000 }: ExportFailureOptions): SpanExporter {
  let failures = 0;
  let toldAt = Number.NEGATIVE_INFINITY;
  return {
    export(spans, done) {
      exporter.export(spans, (result) => {
        if (result.code !== ExportResultCode.SUCCESS) {
          failures++;
          const now = performance.now();
          if (now - toldAt >= intervalMs) {
            onFailure(result.error ?? new Error(`an export of ${spans.length} spans failed`), failures);
            failures = 0;
            toldAt = now;
          }
        }
        done(result);
      });
    },
    shutdown: () => exporter.shutdown(),
    forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
  };
}
