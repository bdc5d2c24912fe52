// @ts-check
/**
 * Dependency rules checked by `npm run check`: no import cycles anywhere,
 * libraries never import apps, apps never import each other, and inside
 * the coordinator every folder imports only folders of a lower layer.
 */

const COORDINATOR = 'apps/coordinator/src';

/**
 * The coordinator's folders from the bottom up; a folder may import its
 * own files and folders of lower layers only. Files at the top of src/
 * (the module, bootstrap, shutdown) wire everything and sit above all.
 */
const LAYERS = [
  ['domain', 'docs'], // pure rules and types; the OpenAPI description
  ['config'],
  ['events'], // the observer seam, and the observers that only need config
  ['log'], // the transaction log's statements
  ['participants'], // registry and calls to participants
  ['tcc'], // phases and the transaction processor
  ['transactions'], // client use cases
  ['admin', 'recovery'], // operator use cases and the recovery loop
  ['health', 'metrics', 'logging'], // observers and read-only endpoints
];

const folders = (layers) => `^${COORDINATOR}/(${layers.flat().join('|')})/`;

const layerRules = LAYERS.map((own, rank) => ({
  name: `coordinator-layer-${own.join('-')}`,
  comment: `${own.join(', ')} may import only lower layers of the coordinator`,
  severity: 'error',
  from: { path: folders([own]) },
  to: {
    path: [`^${COORDINATOR}/[^/]+\\.ts$`, folders(LAYERS.slice(rank))],
    pathNot: `^${COORDINATOR}/$1/`,
  },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'import cycles make modules impossible to read, test or load in isolation',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'libs-never-import-apps',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: '^apps/' },
    },
    {
      name: 'apps-never-import-other-apps',
      severity: 'error',
      from: { path: '^apps/([^/]+)/' },
      to: { path: '^apps/', pathNot: '^apps/$1/' },
    },
    ...layerRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.spec\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
