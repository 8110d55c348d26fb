// pages_scale.mjs -- the public pages' load times on a store at a real
// registry's size (issue 21, item 5): `sh bench/run.sh --pages` makes the
// store (bench/bench_pages_store: 100,000 projects, 10^6 blocks) and runs
// this script on it; it is a benchmark, not part of the tests or CI.
//
// It starts `ledger6 serve` on the store (L6_SCALE_DB), opens every public
// page in each language at laptop width with a fresh cache per language,
// times navigation start to the page's data-ready mark (the data shown),
// asserts each is under L6_SCALE_MAX_MS (default 1000), saves screenshots
// at laptop and phone width ($BUILD/screenshots/scale-LANG-PAGE-laptop.png)
// and prints the timings, with "RESULT pages_<page>_<lang>_ms N" lines.
// Exit status 1 when a page is slower or shows an error.
//
// Environment: L6_SCALE_DB (required), L6_SCALE_LANGS (default en,fr,es,zh), L6_SRCDIR, L6_BIN, BUILD, L6_CHROMIUM
// as tests/browser/run.mjs.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const ROOT = process.env.L6_SRCDIR || path.resolve(here, '../..');
const BUILD = path.resolve(ROOT, process.env.BUILD || 'build');
const BIN = path.resolve(ROOT, process.env.L6_BIN || path.join(BUILD, 'ledger6'));
const CHROMIUM = process.env.L6_CHROMIUM || '/usr/bin/chromium';
const SHOTS = path.join(BUILD, 'screenshots');
const DB = process.env.L6_SCALE_DB;
const MAX_MS = Number(process.env.L6_SCALE_MAX_MS || 1000);
const LANGS = (process.env.L6_SCALE_LANGS || 'en,fr,es,zh').split(',');
if (!DB || !fs.existsSync(DB)) {
  console.error('pages_scale.mjs: L6_SCALE_DB must name the generated store');
  process.exit(2);
}
const { chromium } = await import('playwright-core');

const server = spawn(BIN, ['serve', '--db', DB, '--config', path.join(ROOT, 'config'), '--addr', '127.0.0.1', '--port', '0', '--web', path.join(ROOT, 'web')],
  { stdio: ['ignore', 'pipe', 'pipe'] });
let serverLog = '';
server.stderr.on('data', (d) => (serverLog += d));
const base = await new Promise((resolve, reject) => {
  let buf = '';
  const t = setTimeout(() => reject(new Error('the server did not start in 60 s: ' + buf + serverLog)), 60000);
  server.stdout.on('data', (d) => {
    buf += d;
    const m = buf.match(/listening on (http:\/\/127\.0\.0\.1:\d+)\//);
    if (m) {
      clearTimeout(t);
      resolve(m[1]);
    }
  });
  server.on('exit', (code) => reject(new Error('the server exited (' + code + '): ' + serverLog)));
}).catch((e) => {
  console.error(e.message);
  process.exit(1);
});

const get = async (p) => {
  const r = await fetch(base + p);
  if (!r.ok) throw new Error(p + ': ' + r.status);
  return r.json();
};
/* Pages that show one thing: the first CDM project (the middle of the
 * list by id), the first retirement and its first block's serial. */
const stats = await get('/v1/stats');
const projects = await get('/v1/projects?limit=1&after=GEN.CDM');
const project = projects.items[0].id;
const rets = await get('/v1/retirements?limit=1');
const ret = rets.items[0];
const serial = ret.blocks[0].serial;
const PAGES = [['projects', '/'], ['projects-filtered', '/index.html?host=AGO&status=suspended'], ['project', '/project.html?id=' + encodeURIComponent(project)],
  ['serial', '/serial.html?serial=' + encodeURIComponent(serial)], ['retirements', '/retirements.html'], ['retirement', '/retirement.html?id=' + ret.id],
  ['verify', '/verify.html'], ['dashboards', '/dashboards.html'], ['nma', '/nma.html'], ['market', '/market.html'], ['account', '/account.html']];
console.log(`store: ${stats.totals.projects} projects, ${stats.totals.batches} batches, ${stats.totals.retirements} retirements; ` +
  `project ${project}, retirement ${ret.id}, serial ${serial}`);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger6-pages-scale-'));
const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic'] });
fs.mkdirSync(SHOTS, { recursive: true });
const rows = [];
const bad = [];
try {
  for (const lang of LANGS) {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: lang });
    await ctx.addInitScript((l) => localStorage.setItem('l6_lang', l), lang);
    const page = await ctx.newPage();
    page.setDefaultTimeout(30000);
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    for (const [name, url] of PAGES) {
      await page.setViewportSize({ width: 1280, height: 900 });
      const t0 = Date.now();
      await page.goto(base + url);
      await page.waitForSelector('body[data-ready="1"]');
      const ms = Date.now() - t0;
      const shownError = await page.locator('#out .status.error, #out [role="alert"]').count();
      rows.push({ lang, name, ms });
      console.log(`  ${lang} ${name}: ${ms} ms`);
      console.log(`RESULT pages_${name}_${lang}_ms ${ms}`);
      if (ms > MAX_MS) bad.push(`${lang} ${name}: ${ms} ms > ${MAX_MS} ms`);
      if (shownError && name !== 'account') bad.push(`${lang} ${name}: the page shows an error: ` + (await page.locator('#out').innerText()).slice(0, 200));
      await page.screenshot({ path: path.join(SHOTS, `scale-${lang}-${name}-laptop.png`), fullPage: true });
      await page.setViewportSize({ width: 375, height: 740 });
      await page.waitForFunction(() => [...document.querySelectorAll('svg.chart')].every((s) => s.getBoundingClientRect().width <= 375));
      await page.screenshot({ path: path.join(SHOTS, `scale-${lang}-${name}-phone.png`), fullPage: true });
    }
    if (errors.length) bad.push(lang + ': page errors: ' + errors.join(' | '));
    await ctx.close();
  }
} finally {
  await browser.close();
  server.kill('SIGTERM');
  fs.rmSync(tmp, { recursive: true, force: true });
}
const names = [...new Set(rows.map((r) => r.name))];
console.log('\n| page | ' + LANGS.join(' | ') + ' |\n|---|' + LANGS.map(() => '---|').join(''));
for (const n of names) console.log('| ' + n + ' | ' + LANGS.map((l) => rows.find((r) => r.name === n && r.lang === l).ms + ' ms').join(' | ') + ' |');
if (bad.length) {
  console.log('\nslow or broken pages:\n  ' + bad.join('\n  '));
  process.exit(1);
}
console.log(`\nevery page showed its data in under ${MAX_MS} ms`);
