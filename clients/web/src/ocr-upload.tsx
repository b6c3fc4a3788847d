/** An image upload for `ocr-direction`: decoded in the browser, made a tensor by the model's preprocessing hints, answered upright (0) or upside down (180). */
import { type InferGraphClient, imageTensor, type Model, type RankedClass, topK } from '@infergraph/client';
import { type ChangeEvent, useEffect, useState } from 'react';
import { ErrorNote } from './error-note.tsx';
import { isAborted, useSession } from './session.ts';

export function OcrUpload({ model }: { model: Model | undefined }) {
  const { client, report } = useSession();
  const [preview, setPreview] = useState<string | null>(null);
  const [answer, setAnswer] = useState<RankedClass | null>(null);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<unknown>(null);

  useEffect(() => () => void (preview && URL.revokeObjectURL(preview)), [preview]);

  const upload = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    if (!file || !model) return;
    setPreview(URL.createObjectURL(file));
    setAnswer(null);
    setFailure(null);
    setBusy(true);
    try {
      setAnswer(await classify(client, model, await pixelsOf(file)));
    } catch (error) {
      if (!isAborted(error)) {
        setFailure(error);
        report(error);
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="panel" aria-labelledby="ocr-title">
      <h2 id="ocr-title">Text direction</h2>
      <p className="muted">
        <code>ocr-direction</code> says whether a photographed line of text is upright (0) or upside down (180). The image is decoded and
        resized in your browser.
      </p>
      <label className="file">
        Image of a text line
        <input type="file" accept="image/png,image/jpeg,image/webp,image/gif" onChange={(event) => void upload(event)} disabled={!model} />
      </label>
      {!model && <p className="muted">The server has no model named ocr-direction.</p>}
      <div className="ocr-result">
        {preview && <img src={preview} alt="The uploaded text line" className="preview" />}
        {busy && <span className="muted">Classifying…</span>}
        {answer && (
          <p data-testid="ocr-answer" data-label={answer.label}>
            <span className="big">{answer.label}°</span> {answer.label === '180' ? 'upside down' : 'upright'}, score{' '}
            {(answer.score * 100).toFixed(1)}%
          </p>
        )}
      </div>
      <ErrorNote error={failure} />
    </section>
  );
}

/** The file's RGBA pixels, decoded by the browser. */
async function pixelsOf(file: File): Promise<ImageData> {
  const bitmap = await createImageBitmap(file);
  const canvas = document.createElement('canvas');
  canvas.width = bitmap.width;
  canvas.height = bitmap.height;
  const context = canvas.getContext('2d');
  if (!context) throw new Error('this browser gives no 2D canvas to decode the image on');
  context.drawImage(bitmap, 0, 0);
  bitmap.close();
  return context.getImageData(0, 0, canvas.width, canvas.height);
}

/** The image as the model's preprocessing hints say (resized, normalised, laid out), and the model's best label for it. */
async function classify(client: InferGraphClient, model: Model, image: ImageData): Promise<RankedClass> {
  const version = model.versions.find((candidate) => candidate.state === 'READY') ?? model.versions[0];
  const preprocessing = version?.preprocessing;
  if (!version || !preprocessing) {
    throw new Error(`model "${model.name}" has no preprocessing hints in its model.json: nothing says how to make a tensor of an image`);
  }
  // The hints name their input once the version has loaded; before, the catalog's first input is the one.
  const input = preprocessing.input ?? version.inputs[0]?.name;
  if (!input) throw new Error(`model "${model.name}" v${version.version} lists no input yet; wait until it has loaded`);
  const { outputs } = await client.predict({
    model: model.name,
    version: String(version.version),
    inputs: { [input]: imageTensor(image, preprocessing) },
  });
  const [probabilities] = Object.values(outputs);
  if (probabilities?.dataType !== 'FP32') throw new Error(`model "${model.name}" answered no FP32 scores`);
  const [best] = topK(probabilities.data, model.labels, 1);
  if (!best) throw new Error(`model "${model.name}" answered an empty score row`);
  return best;
}
