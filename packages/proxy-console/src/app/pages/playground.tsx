/**
 * Playground: drop one or more images, paint the area to edit on the first, write a prompt, pick a
 * model group and only the `n` and `size` its deployments accept, and run the edit through the
 * proxy's own `POST /v1/images/edits` — streamed by default, partial images painted as they arrive
 * where the group makes them — with the results beside the input, with cost, latency and the
 * deployment that served them.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { ConsoleModelGroup, ConsoleModels } from '../../api-types';
import { consoleApi } from '../api';
import { usePoll } from '../hooks';
import { Painter } from '../painter';
import { type LiveImages, Results } from '../results';
import { type EditOutcome, runEdit } from '../run-edit';

interface Input {
  file: File;
  url: string;
  width: number;
  height: number;
}

const ACCEPTED = ['image/png', 'image/jpeg', 'image/webp'];

function loadInput(file: File): Promise<Input> {
  const url = URL.createObjectURL(file);
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => resolve({ file, url, width: img.naturalWidth, height: img.naturalHeight });
    img.onerror = () => {
      URL.revokeObjectURL(url);
      reject(new Error(`${file.name}: not an image this browser can read`));
    };
    img.src = url;
  });
}

/** The Playground page. */
export function Playground() {
  const { data: models } = usePoll(() => consoleApi<ConsoleModels>('models'), 'models', 60_000);
  const [inputs, setInputs] = useState<Input[]>([]);
  const [groupName, setGroupName] = useState('');
  const [prompt, setPrompt] = useState('');
  const [n, setN] = useState(1);
  const [size, setSize] = useState('');
  const [painted, setPainted] = useState(0);
  const [dragging, setDragging] = useState(false);
  const [running, setRunning] = useState(false);
  const [stream, setStream] = useState(true);
  const [partialImages, setPartialImages] = useState(2);
  const [live, setLive] = useState<LiveImages | null>(null);
  const [result, setResult] = useState<(EditOutcome & { masked: boolean }) | null>(null);
  const [error, setError] = useState<string | null>(null);
  const exportMask = useRef<(() => Promise<Blob | null>) | null>(null);

  const group: ConsoleModelGroup | undefined = useMemo(
    () => models?.groups.find((g) => g.name === groupName) ?? models?.groups[0],
    [models, groupName],
  );
  useEffect(() => {
    if (!group) return;
    if (n > group.maxN) setN(group.maxN);
    if (size && !group.sizes.includes(size)) setSize('');
  }, [group, n, size]);
  const shown = useRef(inputs);
  shown.current = inputs;
  useEffect(
    () => () => {
      for (const input of shown.current) URL.revokeObjectURL(input.url);
    },
    [],
  );
  const remove = (input: Input) => {
    URL.revokeObjectURL(input.url);
    setInputs((current) => current.filter((x) => x !== input));
  };

  const add = async (files: FileList | File[] | null) => {
    setError(null);
    const list = [...(files ?? [])];
    const wrong = list.filter((f) => !ACCEPTED.includes(f.type));
    if (wrong.length > 0) setError(`${wrong.map((f) => f.name).join(', ')}: PNG, JPEG or WebP only`);
    try {
      const loaded = await Promise.all(list.filter((f) => ACCEPTED.includes(f.type)).map(loadInput));
      setInputs((current) => [...current, ...loaded]);
    } catch (thrown) {
      setError((thrown as Error).message);
    }
  };

  const maskNeeded = group?.mask === 'required';
  const tooMany = group ? inputs.length > group.maxImages : false;
  const tooFew = group ? inputs.length < Math.max(group.minImages, 1) : true;
  const missing = [
    tooFew && 'an image',
    maskNeeded && painted === 0 && 'a painted area (this group needs a mask)',
    group?.promptRequired && prompt.trim() === '' && 'a prompt',
  ].filter(Boolean);

  const run = async () => {
    if (!group) return;
    setRunning(true);
    setError(null);
    setResult(null);
    setLive(null);
    try {
      const form = new FormData();
      form.set('model', group.name);
      if (prompt.trim()) form.set('prompt', prompt.trim());
      const field = inputs.length > 1 ? 'image[]' : 'image';
      for (const input of inputs) form.append(field, input.file, input.file.name);
      const mask = group.mask !== 'none' ? await exportMask.current?.() : null;
      if (mask) form.set('mask', mask, 'mask.png');
      if (n > 1) form.set('n', String(n));
      if (size) form.set('size', size);
      if (stream) {
        form.set('stream', 'true');
        if (group.partialImages && partialImages > 0) form.set('partial_images', String(partialImages));
        setLive({ partial: null, partials: 0, images: [] });
      }
      const outcome = await runEdit(form, {
        onPartial: (src) =>
          setLive((l) => ({ partial: src, partials: (l?.partials ?? 0) + 1, images: l?.images ?? [] })),
        onImage: (src) =>
          setLive((l) => ({
            partial: l?.partial ?? null,
            partials: l?.partials ?? 0,
            images: [...(l?.images ?? []), src],
          })),
      });
      setResult({ ...outcome, masked: mask !== null && mask !== undefined });
    } catch (thrown) {
      setError((thrown as Error).message);
    } finally {
      setRunning(false);
      setLive(null);
    }
  };

  const first = inputs[0];
  return (
    <section class="page playground">
      <div class="play-grid">
        <div class="card">
          <section
            class={`dropzone ${dragging ? 'over' : ''}`}
            id="dropzone"
            aria-label="Drop images here"
            onDragOver={(e) => {
              e.preventDefault();
              setDragging(true);
            }}
            onDragLeave={() => setDragging(false)}
            onDrop={(e) => {
              e.preventDefault();
              setDragging(false);
              void add(e.dataTransfer?.files ?? null);
            }}
          >
            <p>Drop images here, or</p>
            <input
              type="file"
              id="image-input"
              multiple
              accept={ACCEPTED.join(',')}
              onChange={(e) => {
                void add(e.currentTarget.files);
                e.currentTarget.value = '';
              }}
            />
          </section>
          {inputs.length > 0 && (
            <ul class="thumbs">
              {inputs.map((input, i) => (
                <li key={input.url}>
                  <img src={input.url} alt={input.file.name} />
                  <span class="small">
                    {i === 0 ? 'painted · ' : ''}
                    {input.width}×{input.height}
                  </span>
                  <button
                    type="button"
                    aria-label={`Remove ${input.file.name}`}
                    onClick={() => remove(input)}
                  >
                    ×
                  </button>
                </li>
              ))}
            </ul>
          )}
          {first && (
            <Painter
              src={first.url}
              width={first.width}
              height={first.height}
              disabled={group?.mask === 'none'}
              onPaint={setPainted}
              exportRef={exportMask}
            />
          )}
          {first && (
            <p class="muted small" id="mask-status">
              {group?.mask === 'none'
                ? `${group.name} takes no mask: the whole image is edited.`
                : painted > 0
                  ? `${Math.round(painted * 100)}% of the first image will be edited (sent as a transparent-means-edit mask).`
                  : maskNeeded
                    ? 'Paint the area to edit: this group needs a mask.'
                    : 'Paint the area to edit, or leave it empty to edit the whole image.'}
            </p>
          )}
        </div>
        <form
          class="card controls"
          onSubmit={(e) => {
            e.preventDefault();
            void run();
          }}
        >
          <label>
            Model group
            <select
              name="model"
              id="model"
              value={group?.name ?? ''}
              onChange={(e) => setGroupName(e.currentTarget.value)}
            >
              {models?.groups.map((g) => (
                <option key={g.name} value={g.name}>
                  {g.name}
                </option>
              ))}
            </select>
          </label>
          {group && (
            <p class="muted small">
              {group.deployments.map((d) => `${d.id} (${d.provider})`).join(', ')} · up to {group.maxImages}{' '}
              image
              {group.maxImages === 1 ? '' : 's'} · mask {group.mask}
            </p>
          )}
          <label>
            Prompt
            <textarea
              name="prompt"
              id="prompt"
              rows={3}
              maxLength={group?.maxPromptLength ?? undefined}
              value={prompt}
              onInput={(e) => setPrompt(e.currentTarget.value)}
            />
          </label>
          <div class="row">
            <label>
              n
              <select
                name="n"
                id="n"
                value={n}
                onChange={(e) => setN(Number(e.currentTarget.value))}
                disabled={!group || group.maxN <= 1}
              >
                {Array.from({ length: Math.min(group?.maxN ?? 1, 10) }, (_, i) => i + 1).map((v) => (
                  <option key={v} value={v}>
                    {v}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Size
              <select
                name="size"
                id="size"
                value={size}
                onChange={(e) => setSize(e.currentTarget.value)}
                disabled={!group || group.sizes.length === 0}
              >
                <option value="">default</option>
                {group?.sizes.map((s) => (
                  <option key={s} value={s}>
                    {s}
                  </option>
                ))}
              </select>
            </label>
          </div>
          <div class="row">
            <label class="check">
              <input
                type="checkbox"
                id="stream"
                checked={stream}
                onChange={(e) => setStream(e.currentTarget.checked)}
              />{' '}
              Stream
            </label>
            {stream && group?.partialImages && (
              <label>
                Partial images
                <select
                  id="partial-images"
                  value={partialImages}
                  onChange={(e) => setPartialImages(Number(e.currentTarget.value))}
                >
                  {[0, 1, 2, 3].map((v) => (
                    <option key={v} value={v}>
                      {v}
                    </option>
                  ))}
                </select>
              </label>
            )}
          </div>
          {stream && group && !group.partialImages && (
            <p class="muted small">
              {group.name} makes no partial images: the stream carries the final images.
            </p>
          )}
          {tooMany && (
            <p class="error">
              {group?.name} takes at most {group?.maxImages} images: remove some.
            </p>
          )}
          <button type="submit" id="run" disabled={running || !group || tooMany || missing.length > 0}>
            {running ? 'Editing…' : 'Edit'}
          </button>
          {missing.length > 0 && <p class="muted small">Needs {missing.join(', ')}.</p>}
          {error && (
            <p class="error" id="run-error" role="alert">
              {error}
            </p>
          )}
        </form>
      </div>
      {(live || result) && <Results input={first?.url ?? null} live={live} result={result} />}
    </section>
  );
}
