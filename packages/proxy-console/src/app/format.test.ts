import { describe, expect, it } from '@jest/globals';
import { lifecycleLabel } from './format.js';

describe('lifecycle badges', () => {
  const base = { shutdown: null, successor: null, selected: true, message: 'm' };
  it('names the status, the shutdown day and the successor, and whether the router still selects it', () => {
    expect(
      lifecycleLabel({
        ...base,
        status: 'retired',
        shutdown: '2026-10-23',
        successor: 'gpt-image-2',
        selected: false,
      }),
    ).toBe('retired 2026-10-23 → gpt-image-2 · not selected');
    expect(lifecycleLabel({ ...base, status: 'deprecated', shutdown: '2027-03-01' })).toBe(
      'deprecated 2027-03-01',
    );
    expect(lifecycleLabel({ ...base, status: 'preview' })).toBe('preview');
  });
  it('calls an unlisted model passed through by family rules what it is', () => {
    expect(lifecycleLabel({ ...base, status: 'active' })).toBe('not in catalogue');
  });
});
