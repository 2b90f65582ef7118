/**
 * Layer rules of ARCHITECTURE.md, enforced by `npm test`:
 *  - shared/domain is pure: it imports only other domain files and pure libraries (decimal.js, zod).
 *  - shared/ports import only the domain.
 *  - shared/application imports only domain and ports.
 *  - the shared machinery (domain and application outside strategies/, composition, adapters, functions, lib) never names a
 *    strategy: it reaches one only through the registries (shared/domain/strategies/index.ts and
 *    shared/application/strategies/index.ts). A strategy's own folders may use each other.
 *  - adapters never import application or composition.
 *  - functions reach adapters only through composition.
 *  - nothing imports lib/ except bin/ (CDK code never ships in a runtime bundle).
 */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'The domain imports nothing outward: no I/O, no adapters, no SDKs.',
      severity: 'error',
      from: { path: '^shared/domain' },
      to: {
        pathNot: ['^shared/domain', '^node_modules/(decimal\\.js|zod)/'],
      },
    },
    {
      name: 'domain-no-node-builtins',
      comment: 'The domain may not use Node built-ins (fs, net, crypto, process...).',
      severity: 'error',
      from: { path: '^shared/domain' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'ports-only-domain',
      severity: 'error',
      from: { path: '^shared/ports' },
      to: { pathNot: ['^shared/(domain|ports)', '^node_modules/(decimal\\.js|zod)/'] },
    },
    {
      name: 'application-only-domain-and-ports',
      comment: 'Use cases talk to the world only through ports.',
      severity: 'error',
      from: { path: '^shared/application' },
      to: { pathNot: ['^shared/(domain|ports|application)', '^node_modules/(decimal\\.js|zod)/'] },
    },
    {
      name: 'strategies-only-through-the-registry',
      comment:
        'Adding a strategy touches only its own folders and the registries: the shell decides through the module and runtime interfaces.',
      severity: 'error',
      from: {
        path: '^(shared/(application|composition|adapters|ports|domain)|functions|lib|bin)/',
        pathNot: [
          '^shared/(application|domain)/strategies/[^/]+/',
          '^shared/(application|domain)/strategies/index\\.ts$',
        ],
      },
      to: { path: '^shared/(domain|application)/strategies/[^/]+/' },
    },
    {
      name: 'adapters-not-upward',
      severity: 'error',
      from: { path: '^shared/adapters' },
      to: { path: '^shared/(application|composition)' },
    },
    {
      name: 'functions-through-composition',
      comment: 'Entry points choose adapters only through shared/composition.',
      severity: 'error',
      from: { path: '^functions' },
      to: { path: '^shared/adapters' },
    },
    {
      name: 'lib-only-from-bin',
      comment: 'CDK constructs are never imported by runtime code.',
      severity: 'error',
      from: { pathNot: '^(bin|lib|test/infra)' },
      to: { path: '^lib/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|cdk\\.out|coverage|out)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'],
    },
  },
};
