// Module hooks for load.cjs: a bundle's ES module that imports a module the
// Lambda runtime provides (the AWS SDK) gets a stub when the bundle lacks it.
// The stub exports whatever names the importing file asks of it.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const scheme = 'lamb-provided:';
let provided = [];

export function initialize(data) {
  provided = data.provided;
}

function isProvided(spec) {
  return provided.some((p) => (p.endsWith('/') ? spec.startsWith(p) : spec === p || spec.startsWith(p + '/')));
}

export async function resolve(spec, context, next) {
  try {
    return await next(spec, context);
  } catch (e) {
    if (e && e.code === 'ERR_MODULE_NOT_FOUND' && isProvided(spec)) {
      const u = new URL(scheme + encodeURIComponent(spec));
      u.searchParams.set('parent', context.parentURL || '');
      return { url: u.href, shortCircuit: true };
    }
    throw e;
  }
}

// importedNames reads which names parent imports or re-exports from spec.
function importedNames(parent, spec) {
  let src = '';
  try {
    src = readFileSync(fileURLToPath(parent), 'utf8');
  } catch {
    return [];
  }
  const names = new Set();
  const re = /(?:import|export)\s+(?:[\w$]+\s*,\s*)?\{([^}]*)\}\s*from\s*(['"])([^'"]+)\2/g;
  for (const m of src.matchAll(re)) {
    if (m[3] !== spec) continue;
    for (const part of m[1].split(',')) {
      const name = part.trim().split(/\s+as\s+/)[0].trim();
      if (/^[A-Za-z_$][\w$]*$/.test(name) && name !== 'default') names.add(name);
    }
  }
  return [...names];
}

export async function load(url, context, next) {
  if (!url.startsWith(scheme)) return next(url, context);
  const u = new URL(url);
  const spec = decodeURIComponent(u.pathname);
  const names = importedNames(u.searchParams.get('parent'), spec);
  const source = [
    "const s = globalThis[Symbol.for('lamb.stub')];",
    `globalThis[Symbol.for('lamb.stubbed')].add(${JSON.stringify(spec)});`,
    'export default s;',
    ...names.map((n) => `export const ${n} = s;`),
  ].join('\n');
  return { format: 'module', source, shortCircuit: true };
}
