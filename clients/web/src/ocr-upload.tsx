/** An image upload for `ocr-direction`: decoded in the browser, made a tensor by the model's preprocessing hints, answered upright (0) or upside down (180). */
import type { InferGraphClient, Model } from '@infergraph/client';
import { type ChangeEvent, useEffect, useState } from 'react';
import { ErrorNote } from './error-note.tsx';
import { isAborted, useSession } from './session.ts';
import { type Scored, topK } from './top-k.ts';

export function OcrUpload({ model }: { model: Model | undefined }) {
  const { client, report } = useSession();
  const [preview, setPreview] = useState<string | null>(null);
  const [answer, setAnswer] = useState<Scored | null>(null);
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

async function classify(_client: InferGraphClient, _model: Model, _image: ImageData): Promise<Scored> {
  // Wired to imageTensor and the version's preprocessing once the SDK has them (branch sdk-images).
  void topK;
  throw new Error('not wired yet');
}
