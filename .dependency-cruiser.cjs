// The layering rules (ARCHITECTURE.md), checked by `npm run check`: the UI reaches the workers
// only through their protocol, the protocol stands alone, and the worker layers point one way.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'ui-through-protocol-only',
      comment: 'src/ (the page) may import from workers/ only the contract in workers/protocol/; everything else is behind a worker.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^workers/', pathNot: '^workers/protocol/' },
    },
    {
      name: 'protocol-stands-alone',
      comment: 'workers/protocol/ is the contract between threads: it imports nothing of ours outside itself.',
      severity: 'error',
      from: { path: '^workers/protocol/' },
      to: { path: '^(src|workers|scripts)/', pathNot: '^workers/protocol/' },
    },
    {
      name: 'workers-never-import-ui',
      severity: 'error',
      from: { path: '^workers/' },
      to: { path: '^src/' },
    },
    {
      name: 'service-worker-through-protocol-only',
      comment: 'The Service Worker relays /v1 requests; it shares only the protocol with the page and the engine.',
      severity: 'error',
      from: { path: '^workers/sw/' },
      to: { path: '^workers/', pathNot: '^workers/(protocol|sw)/' },
    },
    {
      name: 'engine-parts-below-engine',
      comment: 'The store, the generation parts and the grammar are used by the engine, never the other way round.',
      severity: 'error',
      from: { path: '^workers/(store|generation|grammar)/' },
      to: { path: '^workers/engine/' },
    },
    {
      name: 'no-circular',
      comment: 'A cycle of type-only imports is erased at build time; one with runtime imports is not allowed.',
      severity: 'error',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      // Vite's virtual modules and client types exist only in the build.
      to: { couldNotResolve: true, pathNot: '^(virtual:|vite/client$)' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.svelte'], exportsFields: ['exports'], conditionNames: ['import', 'browser', 'default', 'types'] },
  },
};
