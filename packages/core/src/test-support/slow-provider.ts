/**
 * A provider package that takes a macrotask to load, like a real `@retouch/provider-*` on its
 * first import: `imageEdit()` is still awaiting it when a broken stream input fails.
 */
import type { ProviderPackage } from '../provider.js';

await new Promise((resolve) => setTimeout(resolve, 5));

export const providerPackage: ProviderPackage = {
  prefix: 'slowtest',
  create: () => ({
    id: 'slowtest',
    capabilities: (model) =>
      model === 'edit-1'
        ? {
            maxImages: 3,
            mask: 'optional',
            maxN: 1,
            inputMediaTypes: ['image/png'],
            params: ['mask'],
            nativeResponseFormat: 'b64_json',
          }
        : undefined,
    models: () => ['edit-1'],
    imageEdit: async () => ({ images: [{ b64: 'iVBORw0KGgo=' }], warnings: [] }),
  }),
};
