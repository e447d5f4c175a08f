// Runs HubSpot's own project parser/validator (@hubspot/project-parsing-lib `translate`) over a
// built project, offline. The library fetches per-component JSON schemas from HubSpot through
// @hubspot/local-dev-lib/http's `http.get` (lib/schemas.js); we answer that call with open
// schemas for the component types the library itself knows, so its structural checks (uid,
// config, component type, folder, duplicate singular components) still run.
// Usage: node scripts/validate-hubspot-project.mjs <projectDir>  → JSON on stdout.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { http } from '@hubspot/local-dev-lib/http';
import { Components } from '@hubspot/project-parsing-lib/constants';
import { translate, isTranslationError } from '@hubspot/project-parsing-lib/translate';

const projectDir = path.resolve(process.argv[2] ?? 'build/hubspot');
const project = JSON.parse(readFileSync(path.join(projectDir, 'hsproject.json'), 'utf8'));

// Same mapping as the library's mapToInternalType (app → APPLICATION, card → CARD, …).
const INTERNAL = {
  app: 'APPLICATION',
  scim: 'SCIM_INTEGRATION',
  telemetry: 'TELEMETRY_CONFIG',
  'cms-assets': 'REACT_THEME',
  pages: 'PAGE',
};
const internal = (t) => (INTERNAL[t] ?? t).toUpperCase().replace(/-/g, '_');
const schemas = Object.fromEntries(
  Object.keys(Components).map((t) => [internal(t), { type: 'object' }]),
);

const fetched = [];
http.get = async (accountId, options) => {
  fetched.push(options.url);
  return { data: schemas };
};

try {
  const { intermediateRepresentation, skippedHsMetaFiles } = await translate(
    {
      projectSourceDir: path.join(projectDir, project.srcDir),
      platformVersion: project.platformVersion,
      accountId: 1,
    },
    {},
  );
  const nodes = Object.values(intermediateRepresentation.intermediateNodesIndexedByUid).map(
    (n) => ({
      uid: n.uid,
      componentType: n.componentType,
      metaFilePath: n.metaFilePath,
      componentDeps: n.componentDeps,
    }),
  );
  process.stdout.write(JSON.stringify({ ok: true, nodes, skippedHsMetaFiles, fetched }));
} catch (e) {
  const errors = isTranslationError(e) ? e.toString() : String(e?.stack ?? e);
  process.stdout.write(JSON.stringify({ ok: false, errors, fetched }));
  process.exitCode = 1;
}
