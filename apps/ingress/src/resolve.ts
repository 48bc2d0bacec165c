import { createRequire } from 'node:module';

/**
 * Resolves a package as @loglore/ingress does (from apps/ingress/package.json), for the files
 * it serves from its dependencies: the same from these sources as from a bundle that inlines
 * them elsewhere (apps/cli/dist), where `import.meta.url` is the bundle's and a package only
 * the ingress depends on need not be found.
 */
export const ingressRequire = createRequire(createRequire(import.meta.url).resolve('@loglore/ingress/package.json'));
