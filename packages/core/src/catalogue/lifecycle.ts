/**
 * What a model's lifecycle means for a call: a deprecated model works and is named once per
 * process (shutdown date and successor); a retired one is refused before anything is read or sent,
 * naming the date and the successor, unless the caller says to send it anyway.
 * @module
 */
import { NotFoundError } from '../errors.js';
import type { ModelLifecycle } from './types.js';

/** A model's lifecycle with its name, for the messages. */
export interface LifecycleSubject extends ModelLifecycle {
  provider: string;
  model: string;
}

function today(): string {
  return new Date().toISOString().slice(0, 10);
}

function successorHint(subject: LifecycleSubject): string {
  return subject.successor ? `; use ${subject.provider}/${subject.successor} instead` : '';
}

/**
 * The sentence that describes a deprecated or retired model, or `undefined` for an active or
 * preview one.
 *
 * @example
 * ```ts
 * lifecycleNotice({ provider: 'openai', model: 'gpt-image-1.5', status: 'deprecated', shutdown: '2027-01-01', successor: 'gpt-image-2.6-sunburst' });
 * // 'openai/gpt-image-1.5 is deprecated: it shuts down on 2027-01-01; use openai/gpt-image-2.6-sunburst instead'
 * ```
 */
export function lifecycleNotice(subject: LifecycleSubject): string | undefined {
  const id = `${subject.provider}/${subject.model}`;
  if (subject.status === 'retired') {
    const when = subject.shutdown ? ` on ${subject.shutdown}` : '';
    return `${id} was shut down upstream${when}${successorHint(subject)}`;
  }
  if (subject.status !== 'deprecated') return undefined;
  let when = '';
  if (subject.shutdown) {
    const passed = subject.shutdown < today();
    if (subject.shutdownEarliest) {
      when = passed
        ? `: its earliest shutdown date (${subject.shutdown}) has passed, so it may stop answering at any time`
        : `: it shuts down on ${subject.shutdown} at the earliest`;
    } else {
      when = passed
        ? `: its shutdown date (${subject.shutdown}) has passed, so it may stop answering at any time`
        : `: it shuts down on ${subject.shutdown}`;
    }
  } else when = ': no shutdown date is announced';
  return `${id} is deprecated${when}${successorHint(subject)}`;
}

const warned = new Set<string>();

/**
 * The deprecation notice of a model the first time this process asks for it, else `undefined`
 * (so a deprecated model is named once, not on every call). Also emitted as a Node
 * `DeprecationWarning` (silenced by `--no-deprecation`).
 *
 * @example
 * ```ts
 * deprecationWarningOnce(subject); // 'openai/gpt-image-1.5 is deprecated: …'
 * deprecationWarningOnce(subject); // undefined
 * ```
 */
export function deprecationWarningOnce(subject: LifecycleSubject): string | undefined {
  if (subject.status !== 'deprecated') return undefined;
  const key = `${subject.provider}/${subject.model}`;
  if (warned.has(key)) return undefined;
  warned.add(key);
  const notice = lifecycleNotice(subject);
  if (notice) process.emitWarning(notice, { type: 'DeprecationWarning', code: 'RETOUCH_MODEL_DEPRECATED' });
  return notice;
}

/**
 * Forgets which deprecation notices were given (tests).
 *
 * @example
 * ```ts
 * resetDeprecationWarnings();
 * ```
 */
export function resetDeprecationWarnings(): void {
  warned.clear();
}

/**
 * Throws a `NotFoundError` (`model_retired`) for a retired model unless `allowRetired`: the
 * upstream would answer 404 after the images were sent, so retouch answers first.
 *
 * @example
 * ```ts
 * assertNotRetired({ provider: 'openai', model: 'gpt-image-1', status: 'retired', shutdown: '2026-10-23', successor: 'gpt-image-2.5-sunburst' });
 * // throws: model: openai/gpt-image-1 was shut down upstream on 2026-10-23; use openai/gpt-image-2.5-sunburst instead. …
 * ```
 */
export function assertNotRetired(subject: LifecycleSubject, allowRetired = false): void {
  if (subject.status !== 'retired' || allowRetired) return;
  throw new NotFoundError({
    message: `model: ${lifecycleNotice(subject)}. To send it anyway, set allow_retired: true in the deployment's model_info (imageEdit: allowRetired: true).`,
    param: 'model',
    code: 'model_retired',
    provider: subject.provider,
    model: subject.model,
  });
}
