// Reference canonicalizer for vcportable's differential tests (tests/test_jsonld.py).
//
// Runs jsonld.js 9 + rdf-canonize 5 exactly as @digitalbazaar/eddsa-rdfc-2022-cryptosuite does
// (jsonld.toRDF with safe: true, base: null, rdfDirection 'i18n-datatype', then RDFC-1.0), over
// the contexts bundled in ../../contexts (manifest.json) plus any given in the request; any other
// URL is an error. Offline: no network code path.
//
// Usage:  VCPORTABLE_INTEROP_DIR=/path/to/harness node tests/node/canonize.mjs < request.json
//   request:  {"documents": [...], "contexts": {url: document}, "rdfDirection": "i18n-datatype"}
//             ("contexts" and "rdfDirection" are optional; rdfDirection null = jsonld.canonize's
//             default, where @direction is a safe-mode error)
//   response: [{"nquads": "..."} | {"error": {"name", "message", "code"}}, ...] in order
import {readFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

const interopDir = process.env.VCPORTABLE_INTEROP_DIR;
if(!interopDir) {
  console.error('VCPORTABLE_INTEROP_DIR must point at the interop harness (with node_modules)');
  process.exit(2);
}
const require = createRequire(path.join(path.resolve(interopDir), 'package.json'));
const jsonld = require('jsonld');
const rdfCanonize = require('rdf-canonize');

const here = path.dirname(fileURLToPath(import.meta.url));
const contextsDir = path.resolve(here, '..', '..', 'contexts');
const manifest = JSON.parse(readFileSync(path.join(contextsDir, 'manifest.json'), 'utf8'));

const request = JSON.parse(readFileSync(0, 'utf8'));
const documents = new Map();
for(const [url, entry] of Object.entries(manifest)) {
  documents.set(url, JSON.parse(readFileSync(path.join(contextsDir, entry.file), 'utf8')));
}
for(const [url, document] of Object.entries(request.contexts || {})) {
  documents.set(url, document);
}

async function documentLoader(url) {
  if(!documents.has(url)) {
    const error = new Error(`context not allowed: ${url}`);
    error.name = 'ContextNotAllowed';
    throw error;
  }
  return {contextUrl: null, documentUrl: url, document: documents.get(url), tag: 'static'};
}

const rdfDirection = 'rdfDirection' in request ? request.rdfDirection : 'i18n-datatype';

async function canonize(input) {
  const dataset = await jsonld.toRDF(input, {
    documentLoader, safe: true, base: null, rdfDirection, produceGeneralizedRdf: false
  });
  return rdfCanonize.canonize(dataset, {algorithm: 'RDFC-1.0'});
}

const results = [];
for(const input of request.documents) {
  try {
    results.push({nquads: await canonize(input)});
  } catch(e) {
    const details = e.details || {};
    results.push({error: {
      name: e.name || 'Error',
      message: String(e.message),
      code: (details.event && details.event.code) || details.code || null
    }});
  }
}
process.stdout.write(JSON.stringify(results));
