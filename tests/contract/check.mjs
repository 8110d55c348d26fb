// check.mjs -- the API contract check: validates every request/response pair
// the HTTP tests logged (tests/testlib_http.c, L6_CONTRACT_LOG) against the
// OpenAPI document src/api/openapi.json, with ajv (JSON Schema) and
// ajv-formats, so that the document and the server cannot drift apart.
//
//   node check.mjs OPENAPI_JSON LOG...
//
// Each log line is {"method", "path", "status", "content_type", "body"}.
// For each pair under /v1/, or on another path the document declares
// (/metrics; the web pages and their files are not part of the API and are
// skipped):
//   1. the path matches one path template of the document (literal segments
//      before {parameters}); a path that matches none must be answered with an
//      error (status >= 400, the Error schema), as the router does;
//   2. the method is declared for that path (HEAD: the GET operation); an
//      undeclared method must be answered 405 with the Error schema;
//   3. the status is declared in the operation's responses;
//   4. a successful reply (2xx) used only declared query parameters;
//   5. the reply's content type (without its parameters) is declared for that
//      status, and a status declared without content has no body;
//   6. a JSON body is valid against the declared schema. Objects the document
//      describes fully say "additionalProperties": false, so a field the server
//      sends and the document lacks fails here, as does a missing required one.
// Results print in cmocka's format, one test per (method, path template,
// status, content type) exercised, so tests/run.sh counts them:
//   [  PASSED  ] N test(s).   [  FAILED  ] N test(s), listed below:
// The exit status is 1 when anything failed or nothing was checked.
//
//   node check.mjs --self-test OPENAPI_JSON
// checks the checker: made-up replies that break each rule above must fail,
// and a correct one must pass (tests/contract/test_contract.sh runs it first).
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

// The checker of one document: checkOne(record, source) files each reply
// under its test name; lintDocument() lists the schemas not fully described.
export function makeChecker(spec) {
  // OpenAPI 3.0 schemas are JSON Schema draft 4/5 with a few extra keywords
  // (nullable: ajv's own support; example, deprecated, x-*: annotations).
  // strict: false lets ajv read the whole document as one schema whose
  // fragments the validators point into.
  const ajv = new Ajv({ strict: false, allErrors: true, discriminator: true });
  addFormats(ajv);
  ajv.addVocabulary(['example', 'x-roles']);

  // Closed by default: an object schema that lists properties but says
  // nothing of others is checked as if it said "additionalProperties": false,
  // so a field the server sends and the document lacks always fails (the
  // document lint below also asks the document to say so itself).
  function closeObjects(schema) {
    if (Array.isArray(schema)) return schema.forEach(closeObjects);
    if (!schema || typeof schema !== 'object') return;
    if (schema.properties && typeof schema.properties === 'object' && !('additionalProperties' in schema))
      schema.additionalProperties = false;
    for (const [k, v] of Object.entries(schema)) {
      if (k === 'example' || k === 'examples' || k === 'enum' || k === 'default') continue;
      if (k === 'properties') Object.values(v).forEach(closeObjects);
      else closeObjects(v);
    }
  }
  const checkedSpec = structuredClone(spec);
  closeObjects(checkedSpec.components);
  closeObjects(checkedSpec.paths);
  ajv.addSchema(checkedSpec, 'openapi.json');

  const ptr = (parts) => parts.map((p) => String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
  const validators = new Map();
  function validatorAt(pointer) {
    let v = validators.get(pointer);
    if (!v) {
      v = ajv.compile({ $ref: 'openapi.json#/' + pointer });
      validators.set(pointer, v);
    }
    return v;
  }

  // A $ref'd response ({"$ref": "#/components/responses/X"}) and its pointer.
  function resolve(obj, pointer) {
    while (obj && obj.$ref) {
      const parts = obj.$ref.replace(/^#\//, '').split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
      pointer = ptr(parts);
      obj = parts.reduce((o, k) => (o ? o[k] : undefined), spec);
    }
    return [obj, pointer];
  }

  // Path templates, literal before templated: /v1/a6/itmos before /v1/a6/{x}.
  const templates = Object.keys(spec.paths).map((t) => {
    const segs = t.split('/');
    const re = new RegExp('^' + segs.map((s) => (/^\{[^}]+\}$/.test(s) ? '[^/]+' : s.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))).join('/') + '$');
    return { t, re, params: segs.filter((s) => s.startsWith('{')).length };
  }).sort((a, b) => a.params - b.params);

  // The document lint: every schema a response can carry is fully described.
  // An object schema states additionalProperties (false: these fields and no
  // others; true or a schema: a map or a free-form object, on purpose), lists
  // its properties unless it is such a map, and says which are required (the
  // fields every reply has; [] when none always comes). Bare {"type": "object"}
  // (any object at all) fails: it describes nothing a client can rely on.
  function lintDocument() {
    const problems = [];
    const seen = new Set();
    function visit(schema, where) {
      if (!schema || typeof schema !== 'object') return;
      if (schema.$ref) {
        if (seen.has(schema.$ref)) return;
        seen.add(schema.$ref);
        const [target] = resolve(schema, '');
        return visit(target, schema.$ref);
      }
      const composed = schema.allOf || schema.oneOf || schema.anyOf;
      const objectish = schema.type === 'object' || schema.properties;
      if (objectish && !composed) {
        if (!('additionalProperties' in schema)) {
          problems.push(schema.properties ? `${where}: lists properties but does not say additionalProperties (false when these are all)`
            : `${where}: a bare object (no properties, no additionalProperties)`);
        }
        if (schema.properties && !Array.isArray(schema.required))
          problems.push(`${where}: lists properties but not which are required (an empty list when none always comes)`);
      }
      for (const [k, v] of Object.entries(schema.properties || {})) visit(v, `${where}/properties/${k}`);
      if (schema.items) visit(schema.items, `${where}/items`);
      if (schema.additionalProperties && typeof schema.additionalProperties === 'object') visit(schema.additionalProperties, `${where}/additionalProperties`);
      for (const k of ['allOf', 'oneOf', 'anyOf']) (schema[k] || []).forEach((s, i) => visit(s, `${where}/${k}/${i}`));
    }
    for (const [t, item] of Object.entries(spec.paths))
      for (const m of METHODS) {
        if (!item[m]) continue;
        for (const [status, r] of Object.entries(item[m].responses || {})) {
          const [resp] = resolve(r, '');
          for (const [ct, media] of Object.entries(resp?.content || {}))
            if (ct.includes('json')) visit(media.schema, `${m.toUpperCase()} ${t} ${status} ${ct}`);
        }
      }
    return problems;
  }

  const errorPointer = 'components/schemas/Error';
  const groups = new Map(); // test name -> {failures: [], count}
  let skipped = 0, checked = 0;

  function group(name) {
    let g = groups.get(name);
    if (!g) groups.set(name, (g = { failures: [], count: 0 }));
    g.count++;
    return g;
  }

  function bodyOf(rec) {
    try {
      return [true, JSON.parse(rec.body)];
    } catch {
      return [false, undefined];
    }
  }

  function checkError(rec, g, why) {
    const [ok, body] = bodyOf(rec);
    if (rec.status < 400) return g.failures.push(why + ': answered ' + rec.status + ', expected an error');
    if (!ok) return g.failures.push(why + ': the error body is not JSON');
    const v = validatorAt(errorPointer);
    if (!v(body)) g.failures.push(why + ': the error body is not an Error: ' + ajv.errorsText(v.errors));
  }

  function checkOne(rec, source) {
    const [path, query] = rec.path.split('?', 2);
    // Outside /v1/ only the paths the document declares (GET /metrics) are
    // checked; the rest are web pages.
    if (!path.startsWith('/v1/') && !spec.paths[path]) {
      skipped++;
      return;
    }
    checked++;
    const method = rec.method.toLowerCase();
    const ctype = (rec.content_type || '').split(';')[0].trim().toLowerCase();
    const hit = templates.find((x) => x.re.test(path));
    if (!hit) {
      const g = group(`${rec.method} (no route) ${rec.status}`);
      return checkError(rec, g, `${source}: ${rec.method} ${rec.path} matches no path of the document`);
    }
    const item = spec.paths[hit.t];
    let op = item[method];
    let opMethod = method;
    if (!op && method === 'head' && item.get) [op, opMethod] = [item.get, 'get'];
    const name = `${rec.method} ${hit.t} ${rec.status} ${ctype || '-'}`;
    const g = group(name);
    const fail = (msg) => g.failures.push(`${source}: ${rec.method} ${rec.path} -> ${rec.status}: ${msg}`);
    if (!op || !METHODS.includes(method)) {
      if (rec.status !== 405) return fail(`the method is not declared for ${hit.t}, and the reply is not 405`);
      return checkError(rec, g, `${source}: ${rec.method} ${rec.path} (undeclared method)`);
    }
    const declared = op.responses?.[String(rec.status)] ?? op.responses?.[String(rec.status)[0] + 'XX'] ?? op.responses?.default;
    if (!declared) return fail(`status ${rec.status} is not declared (declared: ${Object.keys(op.responses || {}).join(', ')})`);
    if (rec.status >= 200 && rec.status < 300 && query) {
      const names = new Set([...(item.parameters || []), ...(op.parameters || [])].map((p) => resolve(p, '')[0]).filter((p) => p.in === 'query').map((p) => p.name));
      for (const kv of query.split('&')) {
        const k = decodeURIComponent(kv.split('=')[0]);
        if (k && !names.has(k)) fail(`query parameter ${k} is not declared, yet the request succeeded`);
      }
    }
    const basePointer = ptr(['paths', hit.t, opMethod, 'responses', String(rec.status)]);
    const [resp, respPointer] = resolve(declared, basePointer);
    const content = resp.content || {};
    const hasBody = rec.body !== undefined && rec.body !== '' && method !== 'head';
    if (Object.keys(content).length === 0) {
      if (hasBody) fail('a body came but the response declares no content');
      return;
    }
    if (!ctype) return hasBody ? fail('a body came without a Content-Type') : undefined;
    const media = content[ctype];
    if (!media) return fail(`content type ${ctype} is not declared (declared: ${Object.keys(content).join(', ')})`);
    // A binary body (a PDF: schema {type: string, format: binary}) need not be UTF-8.
    if (rec.body_not_utf8 && media.schema?.format !== 'binary') return fail('the body is not UTF-8');
    if (!hasBody || !media.schema) return;
    if (ctype === 'application/json' || ctype.endsWith('+json')) {
      const [ok, body] = bodyOf(rec);
      if (!ok) return fail('the body is not JSON');
      const v = validatorAt(ptr([...respPointer.split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~')), 'content', ctype, 'schema']));
      if (!v(body)) {
        const errs = v.errors.slice(0, 8).map((e) => `${e.instancePath || '/'} ${e.message}${e.params?.additionalProperty ? ' (' + e.params.additionalProperty + ')' : ''}`);
        fail('the body does not match the schema: ' + errs.join('; ') + (v.errors.length > 8 ? `; and ${v.errors.length - 8} more` : ''));
      }
    } else if (media.schema.type === 'string' && typeof rec.body !== 'string') {
      fail('the body is not text');
    }
  }
  return { checkOne, lintDocument, groups, group, stats: () => ({ checked, skipped }) };
}

function report(spec, specFile, checker, title) {
  const { groups } = checker;
  const seen = new Set([...groups.keys()].map((n) => n.split(' ').slice(0, 2).join(' ')));
  const unexercised = [];
  for (const [t, item] of Object.entries(spec.paths))
    for (const m of METHODS) if (item[m] && !seen.has(`${m.toUpperCase()} ${t}`)) unexercised.push(`${m.toUpperCase()} ${t}`);
  const names = [...groups.keys()].sort();
  const failed = names.filter((n) => groups.get(n).failures.length > 0);
  for (const n of names) {
    const g = groups.get(n);
    console.log(`[ RUN      ] ${n}`);
    if (g.failures.length === 0) {
      console.log(n.startsWith("document:") ? `[       OK ] ${n}` : `[       OK ] ${n} (${g.count} replies)`);
      continue;
    }
    const show = n.startsWith('document:') ? g.failures.length : 3; // the lint lists every schema
    for (const f of g.failures.slice(0, show)) console.log('  ' + f);
    if (g.failures.length > show) console.log(`  ... ${g.failures.length - show} more replies like these`);
    console.log(`[  FAILED  ] ${n}`);
  }
  const { checked, skipped } = checker.stats();
  console.log(`${title}: ${checked} replies under /v1/ checked against ${basename(specFile)}, ${skipped} other (web pages) skipped`);
  if (unexercised.length && title === 'contract') console.log(`contract: ${unexercised.length} declared operations no test called: ${unexercised.join(', ')}`);
  console.log(`[==========] ${names.length} test(s) run.`);
  console.log(`[  PASSED  ] ${names.length - failed.length} test(s).`);
  if (failed.length) {
    console.log(`[  FAILED  ] ${failed.length} test(s), listed below:`);
    for (const n of failed) console.log(`[  FAILED  ] ${n}`);
  }
  return failed.length === 0 && checked > 0;
}

// --self-test: each made-up reply breaks one rule and must fail; the
// correct ones (marked true) must pass. A checker that lets any through is broken.
function selfTest(spec, specFile) {
  const cases = [
    ['an undeclared field', false, { method: 'GET', path: '/v1/parties', status: 200, content_type: 'application/json', body: '{"items":[{"code":"CHE","name":"Switzerland","bogus":1}]}' }],
    ['a missing required field', false, { method: 'GET', path: '/v1/parties', status: 200, content_type: 'application/json', body: '{"items":[{"code":"CHE"}]}' }],
    ['an undeclared status', false, { method: 'GET', path: '/v1/parties', status: 418, content_type: 'application/json', body: '{"error":{"code":"not_found","message":"x"}}' }],
    ['an undeclared content type', false, { method: 'GET', path: '/v1/parties', status: 200, content_type: 'text/plain', body: 'CHE' }],
    ['an error body that is not an Error', false, { method: 'GET', path: '/v1/accounts/1', status: 404, content_type: 'application/json', body: '{"error":"gone"}' }],
    ['a path no template matches, answered 200', false, { method: 'GET', path: '/v1/nowhere', status: 200, content_type: 'application/json', body: '{}' }],
    ['an undeclared method, answered 200', false, { method: 'DELETE', path: '/v1/parties', status: 200, content_type: 'application/json', body: '{}' }],
    ['an undeclared query parameter that succeeded', false, { method: 'GET', path: '/v1/parties?colour=red', status: 200, content_type: 'application/json', body: '{"items":[]}' }],
    ['a correct list', true, { method: 'GET', path: '/v1/parties', status: 200, content_type: 'application/json; charset=utf-8', body: '{"items":[{"code":"CHE","name":"Switzerland"}]}' }],
    ['a body that is not UTF-8 where text is declared', false, { method: 'GET', path: '/v1/retirements/1/certificate.html', status: 200, content_type: 'text/html', body_not_utf8: 1 }],
    ['a binary body where binary is declared', true, { method: 'GET', path: '/v1/retirements/1/certificate.pdf', status: 200, content_type: 'application/pdf', body_not_utf8: 1 }],
    ['a correct error', true, { method: 'GET', path: '/v1/accounts/999', status: 404, content_type: 'application/json', body: '{"error":{"code":"unknown_account","message":"no account 999"}}' }],
  ];
  let bad = 0;
  for (const [name, pass, rec] of cases) {
    const c = makeChecker(spec);
    c.checkOne(rec, 'self-test');
    const failures = [...c.groups.values()].flatMap((g) => g.failures);
    const ok = pass ? failures.length === 0 : failures.length > 0;
    console.log(`[ RUN      ] self-test: ${name}`);
    if (!ok) console.log(pass ? '  the checker refused a correct reply: ' + failures.join('; ') : '  the checker let it through');
    console.log(ok ? `[       OK ] self-test: ${name}` : `[  FAILED  ] self-test: ${name}`);
    if (!ok) bad++;
  }
  console.log(`[==========] ${cases.length} test(s) run.`);
  console.log(`[  PASSED  ] ${cases.length - bad} test(s).`);
  if (bad) console.log(`[  FAILED  ] ${bad} test(s), listed below:`);
  return bad === 0;
}

const args = process.argv.slice(2);
const selfTesting = args[0] === '--self-test';
if (selfTesting) args.shift();
const [specFile, ...logs] = args;
if (!specFile || (!selfTesting && logs.length === 0)) {
  console.error('usage: node check.mjs OPENAPI_JSON LOG...  |  node check.mjs --self-test OPENAPI_JSON');
  process.exit(2);
}
const spec = JSON.parse(readFileSync(specFile, 'utf8'));
if (selfTesting) process.exit(selfTest(spec, specFile) ? 0 : 1);
const checker = makeChecker(spec);
for (const file of logs) {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    checker.group('log ' + basename(file)).failures.push(`cannot read ${file}: ${e.message}`);
    continue;
  }
  const source = basename(file).replace(/\.jsonl$/, '');
  for (const line of text.split('\n')) {
    if (!line) continue;
    let rec;
    try {
      rec = JSON.parse(line);
    } catch {
      checker.group('log ' + source).failures.push('a line that is not JSON: ' + line.slice(0, 200));
      continue;
    }
    checker.checkOne(rec, source);
  }
}
{
  const g = checker.group('document: every response schema is fully described');
  for (const p of checker.lintDocument()) g.failures.push(p);
}
process.exit(report(spec, specFile, checker, 'contract') ? 0 : 1);
