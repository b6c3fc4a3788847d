/**
 * A 16×16 canvas for `glyphs`: draw with a mouse, a pen or a finger (pointer events); the top digits update as you
 * draw, and when a stroke ends an occlusion explanation of the top digit is laid over the pixels: red where ink
 * made the digit likelier, blue where it made it less likely.
 */
import { type InferGraphClient, type Model, type RankedClass, topK } from '@infergraph/client';
import { type PointerEvent, useEffect, useRef, useState } from 'react';
import { ErrorNote } from './error-note.tsx';
import { isAborted, useSession } from './session.ts';

const SIDE = 16;
/** The brush's radius of full ink, in pixels; it fades to nothing over the next pixel, so strokes come out about two pixels wide like the training glyphs. */
const BRUSH_CORE = 0.6;

/** Runs `work` now, or once more after the run in flight when asked meanwhile: the answer always matches the latest drawing, and at most one request waits. */
function useLatest(work: () => Promise<void>) {
  const state = useRef({ running: false, again: false });
  const latest = useRef(work);
  latest.current = work;
  return async () => {
    if (state.current.running) {
      state.current.again = true;
      return;
    }
    state.current.running = true;
    try {
      do {
        state.current.again = false;
        await latest.current();
      } while (state.current.again);
    } finally {
      state.current.running = false;
    }
  };
}

export function GlyphPad({ model }: { model: Model | undefined }) {
  const { client, report } = useSession();
  const pixels = useRef(new Float32Array(SIDE * SIDE));
  const ink = useRef<HTMLCanvasElement>(null);
  const heat = useRef<HTMLCanvasElement>(null);
  const stroke = useRef<{ x: number; y: number } | null>(null);
  const [drawn, setDrawn] = useState(false);
  const [scores, setScores] = useState<RankedClass[] | null>(null);
  const [attributions, setAttributions] = useState<Float32Array | null>(null);
  const [explained, setExplained] = useState<Pick<RankedClass, 'label' | 'score'> | null>(null);
  const [failure, setFailure] = useState<unknown>(null);
  const input = model?.versions[0]?.inputs[0]?.name ?? 'pixels';

  const fail = (error: unknown) => {
    if (isAborted(error)) return;
    setFailure(error);
    report(error);
  };

  const classify = useLatest(async () => {
    if (!model) return;
    try {
      const { outputs } = await client.predict({
        model: model.name,
        inputs: { [input]: { data: pixels.current.slice(), shape: [1, SIDE * SIDE] } },
      });
      const [probabilities] = Object.values(outputs);
      if (probabilities?.dataType === 'FP32') setScores(topK(probabilities.data, model.labels, 3));
      setFailure(null);
    } catch (error) {
      fail(error);
    }
  });

  const explain = useLatest(async () => {
    if (!model) return;
    try {
      const result = await explainGlyph(client, model.name, input, pixels.current.slice());
      if (!result) return;
      setAttributions(result.attributions);
      setExplained({ label: result.label, score: result.score });
    } catch (error) {
      fail(error);
    }
  });

  useEffect(() => paintInk(ink.current, pixels.current), []);
  useEffect(() => paintHeat(heat.current, attributions), [attributions]);

  const cellOf = (event: PointerEvent<HTMLCanvasElement>) => {
    const box = event.currentTarget.getBoundingClientRect();
    return { x: ((event.clientX - box.left) / box.width) * SIDE, y: ((event.clientY - box.top) / box.height) * SIDE };
  };

  const draw = (event: PointerEvent<HTMLCanvasElement>) => {
    const to = cellOf(event);
    const from = stroke.current ?? to;
    // Small steps between two pointer events, so a fast stroke stays a line and not a row of dots.
    const steps = Math.max(1, Math.ceil(Math.hypot(to.x - from.x, to.y - from.y) / 0.25));
    for (let step = 0; step <= steps; step++) {
      stamp(pixels.current, from.x + ((to.x - from.x) * step) / steps, from.y + ((to.y - from.y) * step) / steps);
    }
    stroke.current = to;
    paintInk(ink.current, pixels.current);
    setDrawn(true);
    void classify();
  };

  const clear = () => {
    pixels.current.fill(0);
    paintInk(ink.current, pixels.current);
    setDrawn(false);
    setScores(null);
    setAttributions(null);
    setExplained(null);
    setFailure(null);
  };

  return (
    <section className="panel" aria-labelledby="glyphs-title">
      <h2 id="glyphs-title">Draw a digit</h2>
      <p className="muted">
        <code>glyphs</code> classifies a 16×16 drawing as you draw; when you lift the pen, <code>explain</code> (occlusion, one pixel at a
        time) shows which pixels made its answer: <span className="positive">red</span> for, <span className="negative">blue</span> against.
      </p>
      <div className="glyph-row">
        <div className="pad">
          <canvas
            ref={ink}
            width={SIDE}
            height={SIDE}
            aria-label="Drawing canvas, 16 by 16 pixels"
            data-testid="glyph-canvas"
            onPointerDown={(event) => {
              event.currentTarget.setPointerCapture(event.pointerId);
              stroke.current = null;
              draw(event);
            }}
            onPointerMove={(event) => {
              if (event.buttons !== 0 && stroke.current) draw(event);
            }}
            onPointerUp={() => {
              stroke.current = null;
              void explain();
            }}
            onPointerCancel={() => {
              stroke.current = null;
            }}
          />
          <canvas
            ref={heat}
            width={SIDE}
            height={SIDE}
            className="heat"
            data-testid="glyph-heatmap"
            data-shown={attributions !== null}
            aria-hidden
          />
        </div>
        <div className="glyph-results">
          <button type="button" onClick={clear} disabled={!drawn}>
            Clear
          </button>
          {!model && <p className="muted">The server has no model named glyphs.</p>}
          {model && !scores && <p className="muted">Draw a digit in the box.</p>}
          {scores && (
            <ol className="scores" data-testid="glyph-scores" aria-label="Top digits">
              {scores.map(({ label, score }) => (
                <li key={label}>
                  <span className="label">{label}</span>
                  <span className="bar">
                    <span style={{ width: `${Math.round(score * 100)}%` }} />
                  </span>
                  <span className="score">{(score * 100).toFixed(1)}%</span>
                </li>
              ))}
            </ol>
          )}
          {explained && (
            <p className="muted" data-testid="glyph-explained">
              Heatmap: why “{explained.label}” ({(explained.score * 100).toFixed(1)}%)
            </p>
          )}
          <ErrorNote error={failure} />
        </div>
      </div>
    </section>
  );
}

/** Ink at (x, y) in pixel units: full within the core, fading to nothing one pixel further out. */
function stamp(pixels: Float32Array, x: number, y: number): void {
  for (let row = Math.max(0, Math.floor(y - 2)); row < Math.min(SIDE, Math.ceil(y + 2)); row++) {
    for (let column = Math.max(0, Math.floor(x - 2)); column < Math.min(SIDE, Math.ceil(x + 2)); column++) {
      const distance = Math.hypot(column + 0.5 - x, row + 0.5 - y);
      const value = Math.min(1, Math.max(0, 1 + BRUSH_CORE - distance));
      const at = row * SIDE + column;
      pixels[at] = Math.max(pixels[at]!, value);
    }
  }
}

function paintInk(canvas: HTMLCanvasElement | null, pixels: Float32Array): void {
  const context = canvas?.getContext('2d');
  if (!context) return;
  const image = context.createImageData(SIDE, SIDE);
  pixels.forEach((value, at) => {
    const grey = Math.round(255 * (1 - value));
    image.data.set([grey, grey, grey, 255], at * 4);
  });
  context.putImageData(image, 0, 0);
}

/** Attributions as colour over the drawing: red for, blue against, as strong as the largest one is. */
function paintHeat(canvas: HTMLCanvasElement | null, attributions: Float32Array | null): void {
  const context = canvas?.getContext('2d');
  if (!context) return;
  const image = context.createImageData(SIDE, SIDE);
  if (attributions) {
    const largest = attributions.reduce((most, value) => Math.max(most, Math.abs(value)), 0) || 1;
    attributions.forEach((value, at) => {
      // The square root lifts the many small attributions of a confident answer into sight beside the largest.
      const strength = Math.sqrt(Math.abs(value) / largest);
      image.data.set(value >= 0 ? [220, 38, 38, Math.round(200 * strength)] : [37, 99, 235, Math.round(200 * strength)], at * 4);
    });
  }
  context.putImageData(image, 0, 0);
}

interface GlyphExplanation {
  attributions: Float32Array;
  label: string;
  score: number;
}

/** Occlusion, one pixel at a time, of the top digit: each pixel's attribution is how much the score drops without its ink. */
async function explainGlyph(
  client: InferGraphClient,
  model: string,
  input: string,
  pixels: Float32Array,
): Promise<GlyphExplanation | null> {
  const explanation = await client.explain({
    model,
    inputs: { [input]: { data: pixels, shape: [1, SIDE * SIDE] } },
    method: 'OCCLUSION',
    patchSize: 1,
  });
  const { attributions } = explanation;
  if (attributions.dataType !== 'FP32') return null;
  return { attributions: attributions.data, label: explanation.label ?? String(explanation.target), score: explanation.score };
}
