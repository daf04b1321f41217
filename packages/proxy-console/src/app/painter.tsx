/**
 * Painting the edit area over an image: a brush and an eraser on a transparent layer the size of
 * the image (mouse, pen and touch), exported as OpenAI's alpha mask.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { alphaMaskFromPaint, paintedFraction, toCanvasPoint } from './mask';

/** Props of {@link Painter}. */
export interface PainterProps {
  /** Object URL of the image painted on. */
  src: string;
  width: number;
  height: number;
  disabled?: boolean;
  /** Called after each stroke with the painted share of the image (0 to 1). */
  onPaint: (fraction: number) => void;
  /** Receives the function that exports the mask (a PNG, or null when nothing is painted). */
  exportRef: { current: (() => Promise<Blob | null>) | null };
}

function pngOf(canvas: HTMLCanvasElement): Promise<Blob | null> {
  return new Promise((resolve) => canvas.toBlob((blob) => resolve(blob), 'image/png'));
}

/** The image with a paint layer over it and the tools above. */
export function Painter({ src, width, height, disabled, onPaint, exportRef }: PainterProps) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [tool, setTool] = useState<'brush' | 'eraser'>('brush');
  const [size, setSize] = useState(40);
  const last = useRef<{ x: number; y: number } | null>(null);

  const layer = () => {
    const c = canvas.current;
    const ctx = c?.getContext('2d', { willReadFrequently: true });
    return c && ctx ? { c, ctx } : null;
  };
  const measure = () => {
    const l = layer();
    if (!l) return;
    onPaint(paintedFraction(l.ctx.getImageData(0, 0, l.c.width, l.c.height)));
  };

  useEffect(() => {
    const l = layer();
    if (l) l.ctx.clearRect(0, 0, l.c.width, l.c.height);
    onPaint(0);
  }, [src, width, height]);

  exportRef.current = async () => {
    const l = layer();
    if (!l) return null;
    const paint = l.ctx.getImageData(0, 0, l.c.width, l.c.height);
    if (paintedFraction(paint) === 0) return null;
    const mask = alphaMaskFromPaint(paint);
    const out = document.createElement('canvas');
    out.width = mask.width;
    out.height = mask.height;
    out.getContext('2d')?.putImageData(new ImageData(mask.data, mask.width, mask.height), 0, 0);
    return pngOf(out);
  };

  const stroke = (event: PointerEvent) => {
    const l = layer();
    if (!l) return;
    const rect = l.c.getBoundingClientRect();
    const point = toCanvasPoint(event.clientX, event.clientY, rect, l.c);
    const from = last.current ?? point;
    const { ctx } = l;
    ctx.globalCompositeOperation = tool === 'eraser' ? 'destination-out' : 'source-over';
    ctx.strokeStyle = '#ff2d55';
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.lineWidth = size * (l.c.width / Math.max(rect.width, 1));
    ctx.beginPath();
    ctx.moveTo(from.x, from.y);
    ctx.lineTo(point.x + 0.01, point.y);
    ctx.stroke();
    last.current = point;
  };

  return (
    <div class="painter">
      <div class="tools" role="toolbar" aria-label="Mask tools">
        <button
          type="button"
          class={tool === 'brush' ? 'on' : ''}
          aria-pressed={tool === 'brush'}
          onClick={() => setTool('brush')}
          disabled={disabled}
        >
          Brush
        </button>
        <button
          type="button"
          class={tool === 'eraser' ? 'on' : ''}
          aria-pressed={tool === 'eraser'}
          onClick={() => setTool('eraser')}
          disabled={disabled}
        >
          Eraser
        </button>
        <label>
          Size{' '}
          <input
            type="range"
            min="4"
            max="160"
            value={size}
            onInput={(e) => setSize(Number(e.currentTarget.value))}
            disabled={disabled}
          />
        </label>
        <button
          type="button"
          onClick={() => {
            const l = layer();
            l?.ctx.clearRect(0, 0, l.c.width, l.c.height);
            onPaint(0);
          }}
          disabled={disabled}
        >
          Clear
        </button>
      </div>
      <div
        class="canvas-stack"
        style={{ aspectRatio: `${width} / ${height}`, width: `min(100%, calc(70vh * ${width / height}))` }}
      >
        <img src={src} alt="Input to paint on" draggable={false} />
        <canvas
          ref={canvas}
          id="mask-layer"
          width={width}
          height={height}
          class={disabled ? 'disabled' : tool}
          onPointerDown={(e) => {
            if (disabled) return;
            e.currentTarget.setPointerCapture(e.pointerId);
            last.current = null;
            stroke(e);
          }}
          onPointerMove={(e) => {
            if (!disabled && last.current) stroke(e);
          }}
          onPointerUp={() => {
            last.current = null;
            measure();
          }}
          onPointerCancel={() => {
            last.current = null;
            measure();
          }}
        />
      </div>
    </div>
  );
}
