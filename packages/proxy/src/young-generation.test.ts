import { describe, expect, it } from '@jest/globals';
import { youngGenerationHint } from './young-generation.js';

describe('youngGenerationHint', () => {
  it('names the flag when node was started without it', () => {
    expect(youngGenerationHint([])).toMatch(/start node with --min-semi-space-size=16 /);
    expect(youngGenerationHint(['--enable-source-maps'])).toContain('--min-semi-space-size=16');
  });

  it('is silent with the flag at 16 MiB or more, in both spellings node accepts', () => {
    expect(youngGenerationHint(['--min-semi-space-size=16'])).toBeUndefined();
    expect(youngGenerationHint(['--min_semi_space_size=32'])).toBeUndefined();
  });

  it('still names it when the size given is smaller', () => {
    expect(youngGenerationHint(['--min-semi-space-size=4'])).toContain('--min-semi-space-size=16');
  });
});
