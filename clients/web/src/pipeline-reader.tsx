/**
 * An image dropped (or picked) for a pipeline such as `ocr`: sent as it is to `runPipeline`, then shown with each
 * region's polygon drawn over it and numbered, beside the lines read from them and how each step ran.
 */
import type { Model, PipelineResult } from '@infergraph/client';
import { type DragEvent, useEffect, useRef, useState } from 'react';
import { ErrorNote } from './error-note.tsx';
import { isAborted, useSession } from './session.ts';

type Region = PipelineResult['regions'][number];
type StepRun = PipelineResult['steps'][number];

interface Size {
  width: number;
  height: number;
}

export function PipelineReader({ model }: { model: Model }) {
  const { client, report } = useSession();
  const [preview, setPreview] = useState<string | null>(null);
  // The image's own pixels: the polygons are in them, whatever size the page shows it at.
  const [size, setSize] = useState<Size | null>(null);
  const [result, setResult] = useState<PipelineResult | null>(null);
  const [busy, setBusy] = useState(false);
  const [dragging, setDragging] = useState(false);
  const [picked, setPicked] = useState<number | null>(null);
  const [failure, setFailure] = useState<unknown>(null);
  const running = useRef<AbortController | null>(null);

  useEffect(() => () => void (preview && URL.revokeObjectURL(preview)), [preview]);
  useEffect(() => () => running.current?.abort(), []);

  const read = async (file: File | undefined) => {
    if (!file) return;
    running.current?.abort();
    const controller = new AbortController();
    running.current = controller;
    setPreview(URL.createObjectURL(file));
    setSize(null);
    setResult(null);
    setPicked(null);
    setFailure(null);
    setBusy(true);
    try {
      const image = new Uint8Array(await file.arrayBuffer());
      setResult(await client.runPipeline(model.name, image, { signal: controller.signal }));
    } catch (error) {
      if (!isAborted(error) && !controller.signal.aborted) {
        setFailure(error);
        report(error);
      }
    } finally {
      if (running.current === controller) {
        running.current = null;
        setBusy(false);
      }
    }
  };

  const drop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    void read(event.dataTransfer.files[0]);
  };

  const version = model.versions.find((candidate) => candidate.state === 'READY') ?? model.versions[0];
  const steps = model.pipeline?.steps.map((step) => step.model).join(' → ');
  return (
    <section className="panel" aria-labelledby={`pipeline-${model.name}-title`} data-testid={`pipeline-${model.name}`}>
      <h2 id={`pipeline-${model.name}-title`}>
        Read an image <code className="muted">{model.name}</code>
      </h2>
      <p className="muted">
        The pipeline runs <code>{steps}</code> on the server: the image goes as it is, and comes back as regions, each with what the later
        steps made of it.
      </p>
      {version && version.state !== 'READY' && (
        <p className="muted" data-testid="pipeline-state">
          {model.name} is {version.state.toLowerCase()}
          {version.stateReason ? `: ${version.stateReason}` : ''}
        </p>
      )}
      <label
        className="drop-zone"
        data-dragging={dragging}
        onDragOver={(event) => {
          event.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={drop}
      >
        Drop an image here, or pick a file
        <input
          type="file"
          accept="image/png,image/jpeg,image/webp"
          onChange={(event) => {
            void read(event.target.files?.[0]);
            // The same file picked again reads again.
            event.target.value = '';
          }}
        />
      </label>
      <ErrorNote error={failure} />
      {preview && (
        <div className="pipeline-result">
          <div className="page-image">
            <img
              src={preview}
              alt="Sent to the pipeline"
              data-testid="pipeline-image"
              onLoad={(event) => setSize({ width: event.currentTarget.naturalWidth, height: event.currentTarget.naturalHeight })}
            />
            {result && size && <RegionOverlay regions={result.regions} size={size} picked={picked} onPick={setPicked} />}
          </div>
          <div className="pipeline-lines">
            {busy && <p className="muted">Reading…</p>}
            {result && <Lines result={result} picked={picked} onPick={setPicked} />}
          </div>
        </div>
      )}
    </section>
  );
}

/** The polygons in the image's pixel space (the SVG's viewBox), so they scale with the image; the numbers stay legible. */
function RegionOverlay({
  regions,
  size,
  picked,
  onPick,
}: {
  regions: readonly Region[];
  size: Size;
  picked: number | null;
  onPick: (index: number | null) => void;
}) {
  return (
    <>
      <svg
        className="regions"
        viewBox={`0 0 ${size.width} ${size.height}`}
        preserveAspectRatio="none"
        data-testid="pipeline-overlay"
        aria-hidden
      >
        {regions.map((region, index) => (
          <polygon
            // biome-ignore lint/suspicious/noArrayIndexKey: regions have no id; their order is the answer's reading order.
            key={index}
            points={region.polygon.map(({ x, y }) => `${x},${y}`).join(' ')}
            vectorEffect="non-scaling-stroke"
            data-testid="pipeline-region"
            data-picked={picked === index}
            data-rotation={region.rotation}
            onPointerEnter={() => onPick(index)}
            onPointerLeave={() => onPick(null)}
          />
        ))}
      </svg>
      {regions.map((region, index) => {
        const at = leftMiddleOf(region);
        return (
          <span
            // biome-ignore lint/suspicious/noArrayIndexKey: as above.
            key={index}
            className="region-number"
            data-picked={picked === index}
            style={{ left: `${(at.x / size.width) * 100}%`, top: `${(at.y / size.height) * 100}%` }}
            aria-hidden
          >
            {index + 1}
          </span>
        );
      })}
    </>
  );
}

function Lines({ result, picked, onPick }: { result: PipelineResult; picked: number | null; onPick: (index: number | null) => void }) {
  return (
    <>
      {result.regions.length === 0 && <p className="muted">No text found in the image.</p>}
      <ol className="lines" data-testid="pipeline-lines" aria-label="Lines read">
        {result.regions.map((region, index) => (
          <li
            // biome-ignore lint/suspicious/noArrayIndexKey: regions have no id; their order is the answer's reading order.
            key={index}
            data-testid="pipeline-line"
            data-picked={picked === index}
            onPointerEnter={() => onPick(index)}
            onPointerLeave={() => onPick(null)}
          >
            <span className="region-number">{index + 1}</span>
            <span className="line-text">{region.text ?? <span className="muted">(not read)</span>}</span>
            <span className="line-meta muted">
              {region.confidence === null ? `found ${percent(region.score)}` : percent(region.confidence)}
              {' · '}
              <span data-testid="pipeline-rotation">{region.rotation === 0 ? 'upright' : `turned ${region.rotation}°`}</span>
            </span>
          </li>
        ))}
      </ol>
      <StepTimes steps={result.steps} totalMs={result.totalMs} version={result.version} />
    </>
  );
}

function StepTimes({ steps, totalMs, version }: { steps: readonly StepRun[]; totalMs: number; version: string }) {
  return (
    <table className="health" data-testid="pipeline-steps">
      <thead>
        <tr>
          <th>Step</th>
          <th>Requests</th>
          <th title="Rows of the ONNX run each request rode in">Batches</th>
          <th>ms</th>
        </tr>
      </thead>
      <tbody>
        {steps.map((step) => (
          <tr key={step.step}>
            <th title={`${step.model} v${step.version}`}>{step.step}</th>
            <td>{step.requests}</td>
            <td>{batchesOf(step.batchSizes)}</td>
            <td>{step.ms.toFixed(0)}</td>
          </tr>
        ))}
      </tbody>
      <tfoot>
        <tr>
          <th colSpan={3}>Total, v{version}</th>
          <td>{totalMs.toFixed(0)}</td>
        </tr>
      </tfoot>
    </table>
  );
}

/** Batch sizes compactly: a few as they are, many as each size and how often it came. */
function batchesOf(sizes: readonly number[]): string {
  if (sizes.length <= 4) return sizes.join(', ');
  const counts = new Map<number, number>();
  for (const size of sizes) counts.set(size, (counts.get(size) ?? 0) + 1);
  return [...counts].map(([size, count]) => `${size} ×${count}`).join(', ');
}

const percent = (value: number) => `${(value * 100).toFixed(1)}%`;

/** Where a region's number goes: the middle of the left side of the box around its polygon. */
function leftMiddleOf({ polygon }: Region): { x: number; y: number } {
  const ys = polygon.map((point) => point.y);
  return { x: Math.min(...polygon.map((point) => point.x)), y: (Math.min(...ys) + Math.max(...ys)) / 2 };
}
