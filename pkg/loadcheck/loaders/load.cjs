'use strict';
// Loads a Lambda Node.js handler the way the runtime does, without calling
// it, and writes what happened as JSON to the result file.
// Arguments: task root, handler, result file, hooks file, provided modules
// (comma separated; a trailing "/" names a scope).
const fs = require('fs');
const path = require('path');
const Module = require('module');
const { pathToFileURL } = require('url');

const [root, handler, resultFile, hooksFile, providedList] = process.argv.slice(2);
const provided = providedList ? providedList.split(',') : [];
const stubbed = new Set();

function done(result) {
  result.stubbed = [...stubbed].sort();
  fs.writeFileSync(resultFile, JSON.stringify(result));
  process.exit(0);
}

function isProvided(spec) {
  return provided.some((p) => (p.endsWith('/') ? spec.startsWith(p) : spec === p || spec.startsWith(p + '/')));
}

// The runtime resolves its own modules (the AWS SDK) from outside the bundle:
// a stub that absorbs any use stands in for them when the bundle lacks them.
const stub = new Proxy(function () {}, {
  get: (_, key) => (key === 'then' ? undefined : key === Symbol.toPrimitive ? () => '' : stub),
  apply: () => stub,
  construct: () => stub,
});
globalThis[Symbol.for('lamb.stub')] = stub;
globalThis[Symbol.for('lamb.stubbed')] = stubbed;

const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  try {
    return resolveFilename.call(this, request, ...rest);
  } catch (e) {
    if (e && e.code === 'MODULE_NOT_FOUND' && isProvided(request)) {
      stubbed.add(request);
      const id = 'lamb-provided:' + request;
      if (!Module._cache[id]) {
        const m = new Module(id);
        m.filename = id;
        m.loaded = true;
        m.exports = stub;
        Module._cache[id] = m;
      }
      return id;
    }
    throw e;
  }
};
if (typeof Module.register === 'function') {
  Module.register(pathToFileURL(hooksFile).href, { data: { provided } });
}

function fileExists(p) {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

// typeModule finds the nearest package.json above p and reads its type.
function typeModule(p) {
  for (let dir = path.dirname(p); ; dir = path.dirname(dir)) {
    const pj = path.join(dir, 'package.json');
    if (fileExists(pj)) {
      try {
        return JSON.parse(fs.readFileSync(pj, 'utf8')).type === 'module';
      } catch {
        return false;
      }
    }
    if (dir === root || dir === path.dirname(dir)) return false;
  }
}

// pick follows the runtime's order: extensionless file, .js by require
// unless package.json says "module", then .js (as ESM), .mjs, .cjs, then
// Node's own resolution from the task root.
function pick(base) {
  if (fileExists(base)) return [base, false];
  const esm = typeModule(base);
  if (fileExists(base + '.js')) return [base + '.js', esm];
  if (fileExists(base + '.mjs')) return [base + '.mjs', true];
  if (fileExists(base + '.cjs')) return [base + '.cjs', false];
  return [require.resolve(base, { paths: [root] }), false];
}

(async () => {
  const slash = handler.lastIndexOf('/');
  const dir = handler.slice(0, slash + 1);
  const rest = handler.slice(slash + 1);
  const dot = rest.indexOf('.');
  const moduleName = dir + rest.slice(0, dot);
  const property = rest.slice(dot + 1);
  let file = '';
  let exported;
  try {
    let esm;
    [file, esm] = pick(path.resolve(root, moduleName));
    const mod = esm ? await import(pathToFileURL(file).href) : require(file);
    exported = property.split('.').reduce((o, k) => (o == null ? undefined : o[k]), mod);
  } catch (e) {
    const err = e && typeof e === 'object' ? e : { message: String(e) };
    done({
      status: 'failed',
      file: path.relative(root, file),
      error: String(err.name || 'Error'),
      code: String(err.code || ''),
      message: String(err.message || ''),
    });
    return;
  }
  const rel = path.relative(root, file);
  if (exported === undefined) done({ status: 'failed', kind: 'missingHandler', file: rel, message: `${rel} does not export ${property}` });
  if (typeof exported !== 'function') done({ status: 'failed', kind: 'notFunction', file: rel, message: `${property} in ${rel} is a ${typeof exported}, not a function` });
  done({ status: 'loaded', file: rel });
})();
