// app.mjs -- browser tests of the working app (web/work.html): people of
// every role, each in their own browser context (their own cookies), log in
// with password and TOTP code through the app and do their work in it,
// against a ledger6 server started here on a fresh store filled with the
// demo registry:
//   - the administrator creates the people of the project cycle in the Users
//     screen (their TOTP secret is read from the screen), blocks and
//     unblocks an account, revokes a token;
//   - a PACM activity goes from submission to issuance by four people: the
//     developer (submit, monitor, request), the validator (validate,
//     verify), the host's designated authority (approve) and the mechanism
//     administrator (register, issue);
//   - the developer transfers, retires (and opens the certificate), and
//     downloads a statement as CSV;
//   - the authority authorizes the new units under Article 6 and opens the
//     printable letter;
//   - a covered entity's surrender: the dry run explains the broken rule, the
//     corrected one is accepted and surrendered.
//   - four eyes: the administrator sets GHA01's approval policy in the app;
//     the developer's transfer above its threshold is held (202, a
//     proposal), the developer's own approval is refused (403
//     self_approval, shown), a second person of the organisation sees it in
//     "Awaiting you" and approves it;
//   - a trusted account added (pending, with its active-from) and removed;
//     a transfer to an untrusted account is delayed (executes_at shown) and
//     cancelled;
//   - an exchange limit order placed and cancelled.
//   - Ghana's designated authority enters its NDC and a year's figures,
//     reads the Article 6 books (balances, what-if), sees the AEF's
//     consistency checks, downloads the workbook and a CSV table, amends an
//     authorization; a reviewer reads the books and the AEF, writes nothing;
//   - an ETS confirmation of verified emissions (entered by an accredited
//     verifier in the app) held for a second regulator (202) and approved by
//     a colleague on the Approvals screen; a correction held and rejected;
//   - a programme of activities: registered, two components proposed, one
//     included and one refused; a public comment answered; a grievance filed
//     and followed; a fees statement.
// Every screen is scanned with axe-core (WCAG 2.1 A and AA) and saved as a
// screenshot at laptop (1280 px) and phone (375 px) width under
// $BUILD/screenshots/app-*.png; at phone width the page must not scroll
// sideways.
//
// Output: one line per test, then cmocka-style summary lines (tests/run.sh
// counts them). Environment as tests/browser/run.mjs.
import { spawn, execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const ROOT = process.env.L6_SRCDIR || path.resolve(here, '../..');
const BUILD = path.resolve(ROOT, process.env.BUILD || 'build');
const BIN = path.resolve(ROOT, process.env.L6_BIN || path.join(BUILD, 'ledger6'));
const CHROMIUM = process.env.L6_CHROMIUM || '/usr/bin/chromium';
const SHOTS = path.join(BUILD, 'screenshots');
const LAPTOP = { width: 1280, height: 900 };
const PHONE = { width: 375, height: 740 };

function summary(passed, failed, names) {
  console.log(`[  PASSED  ] ${passed} test(s).`);
  if (failed) {
    console.log(`[  FAILED  ] ${failed} test(s), listed below:`);
    for (const n of names) console.log(`[  FAILED  ] ${n}`);
  }
}
function fatal(msg) {
  console.log('browser tests of the app cannot run: ' + msg);
  summary(0, 1, ['app_setup']);
  process.exit(1);
}

let chromium, axeSource;
try {
  ({ chromium } = await import('playwright-core'));
  const require = createRequire(import.meta.url);
  axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
} catch (e) {
  fatal('playwright-core or axe-core is not installed (run `npm ci` in tests/browser, or `make deps-test`): ' + e.message);
}
if (!fs.existsSync(CHROMIUM)) fatal(CHROMIUM + ' is missing (apt-get install -y chromium, or `make deps-test`)');
if (!fs.existsSync(BIN)) fatal(BIN + ' is missing (make)');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger6-app-'));
const db = path.join(tmp, 'l.db');
const config = path.join(ROOT, 'config');
execFileSync(BIN, ['init', '--db', db, '--config', config], { stdio: 'ignore' });
execFileSync(BIN, ['demo', '--db', db, '--config', config], { stdio: 'ignore' });
const adminToken = execFileSync(BIN, ['token', 'create', '--role', 'admin', '--label', 'app tests', '--db', db, '--config', config],
  { encoding: 'utf8' }).trim().split('\n').pop();
const spareToken = execFileSync(BIN, ['token', 'create', '--role', 'auditor', '--label', 'old reporting script', '--db', db, '--config', config],
  { encoding: 'utf8' }).trim().split('\n').pop();

const server = spawn(BIN, ['serve', '--db', db, '--config', config, '--addr', '127.0.0.1', '--port', '0', '--web', path.join(ROOT, 'web'),
  '--pwhash-cost', 'interactive'],
  { stdio: ['ignore', 'pipe', 'pipe'] });
let serverLog = '';
server.stderr.on('data', (d) => (serverLog += d));
const base = await new Promise((resolve, reject) => {
  let buf = '';
  const t = setTimeout(() => reject(new Error('the server did not start in 10 s: ' + buf + serverLog)), 10000);
  server.stdout.on('data', (d) => {
    buf += d;
    const m = buf.match(/listening on (http:\/\/127\.0\.0\.1:\d+)\//);
    if (m) {
      clearTimeout(t);
      resolve(m[1]);
    }
  });
  server.on('exit', (code) => reject(new Error('the server exited (' + code + '): ' + serverLog)));
}).catch((e) => fatal(e.message));

let browser;
try {
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
} catch (e) {
  server.kill('SIGTERM');
  fatal('cannot start ' + CHROMIUM + ': ' + e.message);
}
fs.mkdirSync(SHOTS, { recursive: true });

const consoleErrors = [];
function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

/* RFC 6238 TOTP (SHA-1, 6 digits, 30 s), the test's own implementation. */
function totp(base32, when = Date.now()) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const ch of base32.replace(/=+$/, '')) bits += alphabet.indexOf(ch).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(when / 1000 / 30)));
  const h = crypto.createHmac('sha1', key).update(counter).digest();
  const off = h[h.length - 1] & 0xf;
  const n = ((h[off] & 0x7f) << 24) | (h[off + 1] << 16) | (h[off + 2] << 8) | h[off + 3];
  return String(n % 1000000).padStart(6, '0');
}

async function api(method, route, body) {
  const r = await fetch(base + route, { method, headers: { Authorization: 'Bearer ' + adminToken, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body) });
  const j = await r.json();
  assert(r.ok, method + ' ' + route + ': ' + JSON.stringify(j));
  return j;
}

/* A person: their own browser context and page. */
async function person(label) {
  const ctx = await browser.newContext({ viewport: LAPTOP, acceptDownloads: true });
  const page = await ctx.newPage();
  page.setDefaultTimeout(20000); /* a shared, loaded machine */
  page.on('pageerror', (e) => consoleErrors.push(label + ': ' + String(e)));
  /* 4xx replies the tests ask for are expected ("Failed to load resource"). */
  page.on('console', (m) => { if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) consoleErrors.push(label + ': ' + m.text()); });
  page.on('dialog', (d) => d.accept());
  return { ctx, page, label };
}

const text = async (page, sel) => (await page.locator(sel).innerText()).replace(/\s+/g, ' ');
async function ready(page) {
  await page.waitForSelector('body[data-ready="1"]');
}
/* Opens a screen: a first load of the app, or the app's own navigation
 * (the hash; the same hash again renders the screen afresh). */
async function go(p, hash) {
  if (!p.page.url().startsWith(base + '/work.html')) await p.page.goto(base + '/work.html' + hash);
  else
    await p.page.evaluate((h) => {
      document.body.dataset.ready = '0';
      if (location.hash === h) window.dispatchEvent(new HashChangeEvent('hashchange'));
      else location.hash = h;
    }, hash);
  await ready(p.page);
}
/* Waits for a form's answer (its result area leaves "Sending…"). */
async function answered(page, form) {
  await page.waitForFunction((f) => {
    const r = document.querySelector(f + ' .result');
    return r && r.textContent && !r.textContent.startsWith('Sending');
  }, form);
  return text(page, form + ' .result');
}

const scanned = [];
/* axe-core on the page as it stands: WCAG 2.1 A and AA; any violation fails. */
async function scan(page, name) {
  if (!(await page.evaluate(() => !!window.axe))) await page.evaluate(axeSource); /* once per document */
  const res = await page.evaluate(() => window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }));
  const bad = res.violations.map((v) => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', '));
  assert(!bad.length, 'accessibility of ' + name + ': ' + bad.join('; '));
  scanned.push(name);
}
/* Scans the screen, then saves it at laptop and phone width; at phone width
 * nothing may make the page scroll sideways. */
let screenMs = 0;
async function screen(p, name) {
  const t0 = Date.now();
  try {
    await screenNow(p, name);
  } finally {
    screenMs += Date.now() - t0;
  }
}
async function screenNow(p, name) {
  await scan(p.page, name);
  await p.page.screenshot({ path: path.join(SHOTS, 'app-' + name + '.png'), fullPage: true });
  await p.page.setViewportSize(PHONE);
  const wide = await p.page.evaluate(() => document.documentElement.scrollWidth);
  if (wide > PHONE.width + 2) {
    /* Name the widest elements that stick out, to fix them. */
    const out = await p.page.evaluate((w) => Array.from(document.querySelectorAll('body *')).filter((e) => e.getBoundingClientRect().right > w + 2)
      .map((e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className ? '.' + String(e.className).replace(/ /g, '.') : '') + ' ' + Math.round(e.getBoundingClientRect().right))
      .slice(-6), PHONE.width);
    assert(false, name + ' scrolls sideways on a phone: ' + wide + ' px; ' + out.join(', '));
  }
  await p.page.screenshot({ path: path.join(SHOTS, 'app-' + name + '-phone.png'), fullPage: true });
  await p.page.setViewportSize(LAPTOP);
}

async function logIn(p, u) {
  await go(p, '#/');
  await p.page.fill('#signin input[name=email]', u.email);
  await p.page.fill('#signin input[name=password]', u.password);
  await p.page.fill('#signin input[name=code]', totp(u.secret));
  await p.page.click('#signin button[type=submit]');
  await p.page.waitForSelector('body[data-screen="home"][data-ready="1"]');
}

const tests = [];
const test = (name, fn) => tests.push({ name, fn });
const people = {};
const users = {};
const PASSWORD = 'app test password 2026';

test('login_and_admin_users', async () => {
  /* The administrator, made with the API token (the first person of a registry). */
  const r = await api('POST', '/v1/users', { email: 'ada@registry.example', name: 'Ada Admin', role: 'admin', password: PASSWORD });
  users.admin = { email: 'ada@registry.example', password: PASSWORD, secret: r.totp.secret };
  const a = (people.admin = await person('admin'));
  await go(a, '#/');
  assert((await text(a.page, 'h1')) === 'Log in', 'signed out: the login screen');
  await screen(a, 'login');
  /* A wrong code is refused with the server's reason. */
  await a.page.fill('#signin input[name=email]', users.admin.email);
  await a.page.fill('#signin input[name=password]', PASSWORD);
  await a.page.fill('#signin input[name=code]', String((Number(totp(users.admin.secret)) + 500000) % 1000000).padStart(6, '0'));
  await a.page.click('#signin button[type=submit]');
  assert((await answered(a.page, '#signin')).includes('bad_totp'), 'wrong code refused');
  await logIn(a, users.admin);
  assert((await text(a.page, '#who')).includes('Signed in as Ada Admin — Registry administrator'), 'who: ' + (await text(a.page, '#who')));
  const navText = await text(a.page, '#worknav');
  assert(navText.includes('Users') && navText.includes('Accounts') && navText.includes('Tokens') && !navText.includes('Transfer'), 'admin navigation: ' + navText);
  await screen(a, 'admin-dashboard');
  /* The people of the project cycle, created in the Users screen. */
  await go(a, '#/users');
  const mk = [
    ['dev', 'Dede Developer', 'dede@voltasolar.example', 'holder', '10'],
    ['doe', 'Val Validator', 'val@carboncheck.example', 'validator', '7'],
    ['dna', 'Ama Authority', 'ama@epa.gh.example', 'authority', '8'],
    ['sb', 'Sam Supervisor', 'sam@sb.example', 'mechanism-admin', ''],
  ];
  for (const [key, name, email, role, org] of mk) {
    await a.page.fill('#new-user input[name=name]', name);
    await a.page.fill('#new-user input[name=email]', email);
    await a.page.selectOption('#new-user select[name=role]', role);
    await a.page.selectOption('#new-user select[name=organisation]', org);
    await a.page.fill('#new-user input[name=password]', PASSWORD);
    await a.page.click('#new-user button[type=submit]');
    const res = await answered(a.page, '#new-user');
    assert(res.includes('created') && res.includes(email), 'user ' + email + ': ' + res);
    users[key] = { email, password: PASSWORD, secret: await a.page.locator('#totp-secret').innerText() };
    assert(/^[A-Z2-7]{16,}$/.test(users[key].secret), 'secret shown: ' + users[key].secret);
  }
  await screen(a, 'admin-new-user');
  await go(a, '#/users');
  const list = await text(a.page, 'table');
  for (const k of ['dev', 'doe', 'dna', 'sb']) assert(list.includes(users[k].email), 'listed: ' + users[k].email);
  assert(list.includes('TOTP, required at every login') && list.includes('Mechanism administrator'), 'roles and second factor listed');
  await screen(a, 'admin-users');
});

test('admin_accounts_and_tokens', async () => {
  const a = people.admin;
  await go(a, '#/accounts/CHE01');
  assert((await text(a.page, 'table')).includes("Trader's book"), 'CHE01 accounts listed');
  await a.page.click('button[aria-label="Block account 69"]');
  await a.page.waitForSelector('button[aria-label="Unblock account 69"]');
  assert((await api('GET', '/v1/accounts/69')).status === 'blocked', 'blocked on the server');
  assert((await text(a.page, '#msg')).includes('Account 69 is now blocked'), 'message');
  await screen(a, 'admin-accounts');
  await a.page.click('button[aria-label="Unblock account 69"]');
  await a.page.waitForSelector('button[aria-label="Block account 69"]');
  assert((await api('GET', '/v1/accounts/69')).status === 'open', 'open again');
  /* Open an account for the Swiss foundation. */
  await a.page.selectOption('#new-account select[name=organisation]', '2');
  await a.page.selectOption('#new-account select[name=type]', 'trading');
  await a.page.fill('#new-account input[name=name]', 'Foundation trading');
  await a.page.click('#new-account button[type=submit]');
  await a.page.waitForFunction(() => document.querySelector('#msg').innerText.includes('Foundation trading'));
  assert((await text(a.page, 'table')).includes('Foundation trading'), 'the new account is listed');
  /* Tokens: revoke the old reporting script's token. */
  await go(a, '#/tokens');
  const tokens = await api('GET', '/v1/tokens');
  const spare = tokens.items.find((t) => t.label === 'old reporting script');
  await a.page.click(`button[aria-label="Revoke token ${spare.id}"]`);
  await a.page.waitForFunction(() => document.querySelector('#msg').innerText.includes('revoked'));
  const r = await fetch(base + '/v1/tokens', { headers: { Authorization: 'Bearer ' + spareToken } });
  assert(r.status === 401, 'the revoked token is refused: ' + r.status);
  assert((await text(a.page, 'table')).includes('revoked'), 'listed as revoked');
  await screen(a, 'admin-tokens');
});

const ACT = 'GHA.WEB.01';
const doc = (name) => ({ name: name + '.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.7 ' + name + ' of ' + ACT) });

async function awaiting(p, what) {
  await go(p, '#/');
  const t = await text(p.page, '#awaiting');
  assert(t.includes(ACT) && t.includes(what), p.label + ' sees the task "' + what + '": ' + t);
}
async function step(p, formId, files, fill) {
  await go(p, '#/activity/' + ACT);
  const f = '#' + formId;
  for (const [type, d] of files) await p.page.setInputFiles(`${f} input[name="doc:${type}"]`, doc(d));
  if (fill) await fill(p.page, f);
  await p.page.click(f + ' button[type=submit]');
  await p.page.waitForFunction(() => document.querySelector('#msg').innerText.includes('recorded') || document.querySelector('.status.error'));
  await ready(p.page);
  const m = await text(p.page, '#main');
  assert(m.includes('recorded'), formId + ' by ' + p.label + ': ' + m.slice(0, 300));
  return text(p.page, '#state');
}

test('pacm_cycle_four_people', async () => {
  for (const k of ['dev', 'doe', 'dna', 'sb']) {
    people[k] = await person(k);
    await logIn(people[k], users[k]);
  }
  const d = people.dev;
  await screen(d, 'holder-dashboard');
  /* Submission by the developer. */
  await go(d, '#/cycle');
  await screen(d, 'cycle');
  await d.page.click('#new-activity');
  await d.page.waitForSelector('body[data-screen="register"][data-ready="1"]');
  const f = '#register';
  await d.page.selectOption(f + ' select[name=mechanism]', 'PACM');
  await d.page.fill(f + ' input[name=id]', ACT);
  await d.page.fill(f + ' input[name=title]', 'Tamale rooftop solar');
  await d.page.selectOption(f + ' select[name=host]', 'GHA');
  await d.page.selectOption(f + ' select[name=registry]', 'GHA01');
  await d.page.fill(f + ' input[name=methodology]', 'ACM0002 grid-connected renewable electricity');
  await d.page.fill(f + ' input[name=sector]', 'energy');
  await d.page.fill(f + ' input[name=crediting_start]', '2024-01-01');
  await d.page.fill(f + ' input[name=crediting_end]', '2033-12-31');
  await d.page.selectOption(f + ' select[name=scope]', '1');
  await d.page.selectOption(f + ' select[name=kind]', 'avoidance');
  await d.page.setInputFiles(f + ' input[name="doc:design-document"]', doc('PDD'));
  await screen(d, 'register-activity');
  await d.page.click(f + ' button[type=submit]');
  await d.page.waitForSelector('body[data-screen="activity"][data-ready="1"]');
  assert((await text(d.page, '#state')) === 'submitted', 'submitted');
  assert((await text(d.page, '#msg')).includes('submitted'), 'message after submission');
  /* Each later step by the person whose role the mechanism names. */
  await awaiting(people.doe, 'validate by a validator');
  await screen(people.doe, 'validator-dashboard');
  assert((await step(people.doe, 'step-validate', [['validation-report', 'validation report']], () => screen(people.doe, 'activity-validate'))) === 'validated', 'validated');
  await awaiting(people.dna, 'approve by the host');
  await screen(people.dna, 'authority-dashboard');
  assert((await step(people.dna, 'step-approve', [['letter-of-approval', 'letter of approval']])) === 'approved', 'approved');
  await awaiting(people.sb, 'register by the mechanism administrator');
  await screen(people.sb, 'mechanism-admin-dashboard');
  /* PACM's safeguards checklist (config/mechanisms/pacm.json): every item must hold. */
  assert((await step(people.sb, 'step-register', [], async (pg, f2) => {
    const boxes = await pg.$$(f2 + ' input[type=checkbox][name^="sg:"]');
    assert(boxes.length === 5, 'five safeguards: ' + boxes.length);
    for (const b of boxes) await b.check();
  })) === 'registered', 'registered');
  /* Monitoring: 10,000 MWh at 0.5 t/MWh = 5,000 t. */
  await go(d, '#/activity/' + ACT);
  await d.page.fill('#new-period input[name=start]', '2024-01-01');
  await d.page.fill('#new-period input[name=end]', '2024-12-31');
  await d.page.selectOption('#new-period select[name=calculator]', 'grid-renewable');
  await d.page.fill('#new-period input[name="in:net_kwh"]', '10000000');
  await d.page.fill('#new-period input[name="in:ef_cm_t_mwh_e6"]', '500000');
  /* PACM's SD indicators, one number each. */
  const sd = await d.page.$$('#new-period input[name^="sd:"]');
  assert(sd.length === 4, 'four SD indicators: ' + sd.length);
  for (const x of sd) await x.fill('12');
  await d.page.setInputFiles('#new-period input[name="doc:monitoring-report"]', doc('monitoring report'));
  await screen(d, 'activity-monitor');
  await d.page.click('#new-period button[type=submit]');
  await d.page.waitForFunction(() => document.querySelector('#msg').innerText.includes('reported'));
  await ready(d.page);
  assert((await text(d.page, '#msg')).includes('5,000 t by the grid-renewable calculator'), 'reported: ' + (await text(d.page, '#msg')));
  await awaiting(people.doe, 'verify (period 1)');
  assert((await step(people.doe, 'step-verify-1', [['verification-report', 'verification report']], async (pg, f2) => {
    assert((await pg.inputValue(f2 + ' input[name=certified]')) === '5000', 'certified defaults to the reported figure');
    await pg.fill(f2 + ' input[name=certified]', '4800');
  })) === 'registered', 'verified');
  assert((await step(d, 'step-request-1', [], async (pg, f2) => pg.selectOption(f2 + ' select[name=forward]', '43'))) === 'registered', 'requested');
  await awaiting(people.sb, 'issue (period 1)');
  await step(people.sb, 'step-issue-1', []);
  const page = await text(people.sb.page, '#main');
  assert(page.includes('4,800') && /requested → issued/.test(page), 'issued 4,800 t: ' + page.slice(0, 500));
  const act = await (await fetch(base + '/v1/activities/' + ACT)).json();
  assert(act.issued === 4800 && act.periods[0].state === 'issued', 'the server has it issued');
  const roles = act.steps.map((s) => s.step + ':' + s.role).join(' ');
  assert(roles === 'submit:participant validate:validator approve:authority register:mechanism-admin monitor:participant verify:validator request:participant issue:mechanism-admin', roles);
  assert(new Set(act.steps.map((s) => s.actor)).size === 4, 'four different people: ' + act.steps.map((s) => s.actor).join(', '));
  await go(d, '#/activity/' + ACT);
  await screen(d, 'activity-issued');
});

test('holder_holdings_transfer_retire_statement', async () => {
  const d = people.dev;
  /* 4,800 issued: 5 % share of proceeds (240), 2 % OMGE (96): 4,464 forwarded to account 43. */
  await go(d, '#/holdings');
  const h = await text(d.page, '#view');
  assert(h.includes('A6.4ER 2024 4,464') && h.includes('A6.4ER 2023 22,785'), 'holdings by unit type and vintage: ' + h.slice(0, 400));
  await screen(d, 'holdings');
  await go(d, '#/transfer');
  await d.page.selectOption('#transfer select[name=from_account]', '43');
  await d.page.waitForSelector('#transfer select[name=units] option[value="A6.4ER|2024"]', { state: 'attached' });
  await d.page.selectOption('#transfer select[name=units]', 'A6.4ER|2024');
  await d.page.fill('#transfer input[name=quantity]', '1000');
  await d.page.fill('#transfer input[name=to_account]', '41');
  await d.page.click('#transfer button[type=submit]');
  const t = await answered(d.page, '#transfer');
  assert(t.includes('Transferred: transaction') && t.includes('1,000 t from account 43 to account 41'), 'transfer: ' + t);
  const left = await d.page.locator('#transfer select[name=units] option:checked').innerText();
  assert(left.includes('A6.4ER of vintage 2024 — 3,464 t held'), 'the holdings are read again after the transfer: ' + left);
  await screen(d, 'transfer');
  /* A refused transfer shows the server's reason. */
  await d.page.fill('#transfer input[name=quantity]', '999999');
  await d.page.click('#transfer button[type=submit]');
  assert((await answered(d.page, '#transfer')).includes('insufficient_holdings'), 'refusal shown');
  await go(d, '#/retire');
  await d.page.selectOption('#retire select[name=from_account]', '43');
  await d.page.waitForSelector('#retire select[name=units] option[value="A6.4ER|2024"]', { state: 'attached' });
  await d.page.selectOption('#retire select[name=units]', 'A6.4ER|2024');
  await d.page.fill('#retire input[name=quantity]', '500');
  await d.page.fill('#retire input[name=beneficiary]', 'Accra Metropolitan Assembly');
  await d.page.fill('#retire input[name=purpose]', 'voluntary offsetting');
  await d.page.fill('#retire textarea[name=claim]', 'Offsets the 2024 street lighting of Accra');
  await d.page.click('#retire button[type=submit]');
  const rt = await answered(d.page, '#retire');
  assert(rt.includes('Retired: transaction') && rt.includes('500 t'), 'retirement: ' + rt);
  await screen(d, 'retire');
  const href = await d.page.getAttribute('#cert-link', 'href');
  await d.page.goto(base + href);
  const cert = (await d.page.locator('body').innerText()).replace(/\s+/g, ' ');
  assert(cert.includes('Accra Metropolitan Assembly') && cert.includes('500'), 'the certificate: ' + cert.slice(0, 400));
  await d.page.screenshot({ path: path.join(SHOTS, 'app-certificate.png'), fullPage: true });
  /* Statement: the CSV has the retirement's line. */
  await go(d, '#/statement');
  await d.page.selectOption('#statement select[name=account]', '43');
  await d.page.click('#statement button[type=submit]');
  await d.page.waitForSelector('#csv');
  const [dl] = await Promise.all([d.page.waitForEvent('download'), d.page.click('#csv')]);
  const csv = fs.readFileSync(await dl.path(), 'utf8');
  const lines = csv.trim().split('\r\n');
  assert(lines[0] === 'transaction,timestamp,kind,direction,quantity,from_account,to_account,unit_type,project,vintage,serial,beneficiary,purpose', 'CSV head: ' + lines[0]);
  assert(lines.some((l) => l.includes(',retirement,out,500,43,') && l.includes('Accra Metropolitan Assembly')), 'the retirement in the CSV: ' + csv.slice(0, 600));
  assert(lines.some((l) => l.includes(',transfer,out,1000,43,41,A6.4ER,' + ACT + ',2024,')), 'the transfer in the CSV');
  await screen(d, 'statement');
});

test('authorization_and_letter', async () => {
  const p = people.dna;
  await go(p, '#/a6');
  await p.page.selectOption('#authorize select[name=party]', 'GHA');
  await p.page.waitForSelector(`#authorize select[name=project] option[value="${ACT}"]`, { state: 'attached' });
  await p.page.selectOption('#authorize select[name=project]', ACT);
  await p.page.fill('#authorize input[name=approach]', 'CA0042');
  await p.page.fill('#authorize input[name=quantity]', '2000');
  await p.page.fill('#authorize input[name=vintage_from]', '2024');
  await p.page.fill('#authorize input[name=vintage_to]', '2024');
  await p.page.fill('#authorize input[name=year_from]', '2026');
  await p.page.fill('#authorize input[name=year_to]', '2030');
  await p.page.fill('#authorize input[name=authorized_parties]', 'CHE');
  await p.page.click('#authorize button[type=submit]');
  await p.page.waitForSelector('#msg #letter-link');
  await ready(p.page);
  const r = await text(p.page, '#msg');
  assert(/Authorization \d+ recorded/.test(r), 'authorized: ' + r);
  assert((await text(p.page, 'table')).includes(ACT), 'the new letter is listed');
  await screen(p, 'a6-authorize');
  await p.page.click('#letter-link');
  await ready(p.page);
  const l = await text(p.page, 'article');
  assert(l.includes('Letter of authorization No.') && l.includes('Ghana') && l.includes(ACT) && l.includes('2,000 t CO2e') &&
    l.includes('Switzerland (CHE)') && l.includes('CA0042'), 'the letter: ' + l.slice(0, 600));
  const hash = (await text(p.page, '#letter-hash')).trim(); /* issue 18: the SHA-256 of the letter's terms */
  assert(/^[0-9a-f]{64}$/.test(hash), 'the letter shows its hash: ' + hash);
  await screen(p, 'a6-letter');
  await p.page.emulateMedia({ media: 'print' });
  await p.page.screenshot({ path: path.join(SHOTS, 'app-a6-letter-print.png'), fullPage: true });
  assert(!(await p.page.locator('header').isVisible()), 'the printed letter has no navigation');
  await p.page.emulateMedia({ media: 'screen' });
});

test('ets_surrender_dry_run', async () => {
  /* The regulator's part through the API: 2024 verified emissions 5,000 t, allocation 4,000. */
  await api('PUT', '/v1/ets/emissions', { scheme: 'GD-ETS', entity: 'GZ.PEARL', year: 2024, verified: 5000 });
  await api('POST', '/v1/ets/emissions/confirm', { scheme: 'GD-ETS', entity: 'GZ.PEARL', year: 2024 });
  await api('PUT', '/v1/ets/allocations', { scheme: 'GD-ETS', entity: 'GZ.PEARL', year: 2024, allocated: 4000 });
  const r = await api('POST', '/v1/users', { email: 'li@pearlriver.example', name: 'Li Na', role: 'holder', organisation: 25, password: PASSWORD });
  const p = (people.ets = await person('ets'));
  await logIn(p, { email: 'li@pearlriver.example', password: PASSWORD, secret: r.totp.secret });
  await go(p, '#/ets');
  await p.page.fill('#surrender input[name=year]', '2024');
  await p.page.fill('#surrender input[name="q:0"]', '1000');
  await p.page.click('#surrender button[value=dry]');
  const ev = await answered(p.page, '#surrender');
  assert(ev.includes('breaks 1 rule of CN-GD') && ev.includes('GD.1') && ev.includes('CCER and PHCER together at most 10% of verified emissions'), 'dry run explains: ' + ev);
  await screen(p, 'ets-dry-run');
  await p.page.fill('#surrender input[name="q:0"]', '500');
  await p.page.click('#surrender button[value=dry]');
  assert((await answered(p.page, '#surrender')).includes('meets every rule of CN-GD'), 'corrected');
  await p.page.click('#surrender button[value=surrender]');
  const s = await answered(p.page, '#surrender');
  assert(s.includes('Surrendered: transaction'), 'surrendered: ' + s);
  const rep = await api('GET', '/v1/ets/schemes/GD-ETS/report?year=2024');
  assert(rep.items[0].surrendered_offsets === 500, 'the report counts 500 t of offsets');
  await screen(p, 'ets-surrendered');
});

test('four_eyes_transfer_held_and_approved', async () => {
  /* The administrator sets GHA01's approval policy in the app: a transfer of more than 100 t needs a second person. */
  const a = people.admin;
  await go(a, '#/policy/GHA01');
  assert((await text(a.page, '#view')).includes('No policy is set yet'), 'defaults shown before the first policy');
  await a.page.fill('#policy input[name=transfer_above]', '100');
  await a.page.fill('#policy input[name=proposal_lifetime_hours]', '48');
  await a.page.fill('#policy input[name=trusted_activation_hours]', '96');
  await a.page.check('#policy input[name=ets_emissions]');
  const saved = await Promise.all([answered(a.page, '#policy'), a.page.click('#policy button[type=submit]')]).then((x) => x[0]);
  assert(saved.includes('approval policy of GHA01 is saved'), 'policy saved: ' + saved);
  const pol = await api('GET', '/v1/registries/GHA01/approval-policy');
  assert(pol.transfer_above === 100 && pol.proposal_lifetime_hours === 48 && pol.trusted_activation_hours === 96 && pol.hold_account &&
    pol.ets_emissions === true && pol.a6_authorizations === false, 'the server has the policy: ' + JSON.stringify(pol));
  await go(a, '#/policy/GHA01');
  assert((await a.page.inputValue('#policy input[name=transfer_above]')) === '100', 'the policy is read back');
  assert(await a.page.isChecked('#policy input[name=ets_emissions]'), 'the ETS box is read back');
  await screen(a, 'admin-policy');
  /* The developer's transfer of 200 t is held: 202 with a proposal. */
  const d = people.dev;
  await go(d, '#/transfer');
  await d.page.selectOption('#transfer select[name=from_account]', '43');
  await d.page.waitForSelector('#transfer select[name=units] option[value="A6.4ER|2024"]', { state: 'attached' });
  await d.page.selectOption('#transfer select[name=units]', 'A6.4ER|2024');
  await d.page.fill('#transfer input[name=quantity]', '200');
  await d.page.fill('#transfer input[name=to_account]', '41');
  await d.page.click('#transfer button[type=submit]');
  const held = await answered(d.page, '#transfer');
  const m = held.match(/Transfer held for approval: proposal (\d+), 200 t, state pending \(above the policy's threshold\)/);
  assert(m, 'held: ' + held);
  const id = m[1];
  assert((await api('GET', '/v1/proposals/' + id)).state === 'pending', 'pending on the server');
  await screen(d, 'transfer-held');
  /* The proposer may not approve their own: the app shows the server's refusal. */
  await go(d, '#/approvals');
  assert((await text(d.page, 'table')).includes('(you)'), 'the proposer sees their own proposal marked');
  await d.page.click(`button[aria-label="Approve proposal ${id}"]`);
  await d.page.waitForSelector('#msg .status.error');
  const refused = await text(d.page, '#msg');
  assert(refused.includes('403 self_approval'), 'refused for the proposer: ' + refused);
  assert((await api('GET', '/v1/proposals/' + id)).state === 'pending', 'still pending');
  await screen(d, 'approvals-refused');
  /* A second person of Volta Solar signs in through the app and approves it. */
  const r = await api('POST', '/v1/users', { email: 'kofi@voltasolar.example', name: 'Kofi Second', role: 'holder', organisation: 10, password: PASSWORD });
  const k = (people.kofi = await person('kofi'));
  await logIn(k, { email: 'kofi@voltasolar.example', password: PASSWORD, secret: r.totp.secret });
  const aw = await text(k.page, '#awaiting');
  assert(aw.includes('Proposal ' + id + ': transfer of 200 t from account 43 to account 41') && aw.includes('approve or reject'), 'awaiting the second person: ' + aw);
  await screen(k, 'holder-awaiting-proposal');
  await go(d, '#/');
  assert(!(await text(d.page, '#view')).includes('Proposal ' + id), 'not awaiting the proposer');
  await go(k, '#/approvals');
  await screen(k, 'approvals');
  await k.page.click(`button[aria-label="Approve proposal ${id}"]`);
  await k.page.waitForSelector('#msg #decided');
  await ready(k.page);
  const ok = await text(k.page, '#msg');
  assert(new RegExp('Proposal ' + id + ' is now executed: transaction \\d+').test(ok), 'approved: ' + ok);
  const p = await api('GET', '/v1/proposals/' + id);
  assert(p.state === 'executed' && p.tx, 'executed on the server: ' + JSON.stringify(p));
  assert((await text(k.page, '#view')).includes('No open proposal'), 'nothing open any more');
  await screen(k, 'approvals-decided');
});

test('trusted_account_added_and_removed', async () => {
  const d = people.dev;
  await go(d, '#/trusted');
  await d.page.selectOption('#add-trusted select[name=account]', '43');
  await d.page.fill('#add-trusted input[name=trusted]', '41');
  await d.page.click('#add-trusted button[type=submit]');
  await d.page.waitForFunction(() => document.querySelector('#msg').innerText.includes('added'));
  await ready(d.page);
  /* GHA01's policy (set above) makes a new entry active after 96 hours. */
  const tl = await api('GET', '/v1/accounts/43/trusted');
  const t = tl.items.find((x) => x.trusted_account === 41);
  assert(t && t.state === 'pending', 'the server has it, pending: ' + JSON.stringify(tl));
  const from = t.active_from.slice(0, 10) + ' ' + t.active_from.slice(11, 16) + ' UTC';
  const added = await text(d.page, '#msg');
  assert(added.includes('Account 41 added to the trusted list of account 43: pending, active from ' + from), 'added: ' + added);
  const row = await text(d.page, 'table');
  assert(row.includes('43 41 pending ' + from), 'listed with its active-from: ' + row);
  await screen(d, 'trusted');
  /* Adding it again: the server's refusal. */
  await d.page.selectOption('#add-trusted select[name=account]', '43');
  await d.page.fill('#add-trusted input[name=trusted]', '41');
  await d.page.click('#add-trusted button[type=submit]');
  assert((await answered(d.page, '#add-trusted')).includes('409 already_exists'), 'a second time refused');
  await d.page.click('button[aria-label="Remove account 41 from the trusted list of account 43"]');
  await d.page.waitForFunction(() => document.querySelector('#msg').innerText.includes('removed'));
  await ready(d.page);
  assert((await api('GET', '/v1/accounts/43/trusted')).items.length === 0, 'removed on the server');
});

test('delayed_transfer_cancelled', async () => {
  /* A transfer to an untrusted account waits 26 hours (the whole policy: a PUT replaces it). */
  await api('PUT', '/v1/registries/GHA01/approval-policy', { transfer_above: 100, proposal_lifetime_hours: 48, trusted_activation_hours: 96, untrusted_transfer_delay_hours: 26 });
  const d = people.dev;
  await go(d, '#/transfer');
  await d.page.selectOption('#transfer select[name=from_account]', '43');
  await d.page.waitForSelector('#transfer select[name=units] option[value="A6.4ER|2024"]', { state: 'attached' });
  await d.page.selectOption('#transfer select[name=units]', 'A6.4ER|2024');
  await d.page.fill('#transfer input[name=quantity]', '50');
  await d.page.fill('#transfer input[name=to_account]', '41');
  await d.page.click('#transfer button[type=submit]');
  const held = await answered(d.page, '#transfer');
  const m = held.match(/Transfer held for approval: proposal (\d+), 50 t, state delayed \(to an account not on the trusted list\)\. It executes at (\S+ \S+) UTC unless cancelled/);
  assert(m, 'delayed: ' + held);
  const p = await api('GET', '/v1/proposals/' + m[1]);
  assert(p.state === 'delayed' && p.executes_at.slice(0, 16).replace('T', ' ') === m[2], 'executes_at shown as the server has it: ' + p.executes_at);
  await go(d, '#/approvals');
  const row = await text(d.page, 'table >> nth=0');
  assert(row.includes('delayed') && row.includes('executes ' + m[2] + ' UTC'), 'listed with executes_at: ' + row);
  assert(!(await d.page.locator(`button[aria-label="Approve proposal ${m[1]}"]`).count()), 'a delayed transfer is not approved, only cancelled');
  await screen(d, 'approvals-delayed');
  await d.page.click(`button[aria-label="Cancel proposal ${m[1]}"]`);
  await d.page.waitForSelector('#msg #decided');
  await ready(d.page);
  assert((await text(d.page, '#msg')).includes('Proposal ' + m[1] + ' is now cancelled'), 'cancelled: ' + (await text(d.page, '#msg')));
  assert((await api('GET', '/v1/proposals/' + m[1])).state === 'cancelled', 'cancelled on the server');
});

test('exchange_order_placed_and_cancelled', async () => {
  /* The operator's part through the API: Volta Solar deposits 10,000.00 EUR. */
  await api('POST', '/v1/exchange/deposits', { org: 10, currency: 'EUR', amount: 1000000 });
  const d = people.dev;
  await go(d, '#/orders');
  assert((await text(d.page, '#view')).includes('10,000.00 EUR'), 'cash shown');
  await d.page.selectOption('#order select[name=instrument]', 'VCU.GHA.ARR');
  await d.page.selectOption('#order select[name=account]', '43');
  await d.page.selectOption('#order select[name=side]', 'buy');
  await d.page.fill('#order input[name=price]', '1100');
  await d.page.fill('#order input[name=qty]', '100');
  await d.page.click('#order button[type=submit]');
  await d.page.waitForSelector('#msg #placed');
  await ready(d.page);
  const placed = await text(d.page, '#msg');
  const m = placed.match(/Order (\d+) placed: open, 0 t filled in 0 trades, 100 t resting/);
  assert(m, 'placed: ' + placed);
  const list = await text(d.page, '#view');
  assert(list.includes('11.00 EUR') && /Reserved for open buys/.test(list), 'listed with its price: ' + list.slice(0, 600));
  await screen(d, 'orders');
  await d.page.click(`button[aria-label="Cancel order ${m[1]}"]`);
  await d.page.waitForFunction(() => document.querySelector('#msg').innerText.includes('cancelled'));
  await ready(d.page);
  assert((await text(d.page, '#msg')).includes('Order ' + m[1] + ' cancelled (100 t not filled; its cash reservation released)'), 'cancelled: ' + (await text(d.page, '#msg')));
  const o = (await api('GET', '/v1/exchange/orders')).items.find((x) => x.id === Number(m[1]));
  assert(o && o.status === 'cancelled', 'cancelled on the server: ' + JSON.stringify(o));
  await screen(d, 'orders-cancelled');
});

/* Issue 22, item 2 of the follow-up: a block quote sent to one counterparty
 * and accepted by it (both in the app, the quote sent with the keyboard
 * only), and a sealed-bid primary auction: a bid placed on the Exchange
 * screen, the auction run by the administrator on the Auctions screen. */
test('exchange_block_quote_and_auction', async () => {
  /* The operator's part through the API: two instruments of A6.4ER in GHA01. */
  const inst = { kind: 'contract', unit_type: 'A6.4ER', registry: 'GHA01', currency: 'EUR', minor_units: 2, tick: 1, lot: 1 };
  await api('POST', '/v1/exchange/instruments', { code: 'A64.BLOCK', name: 'A6.4ER block agreements', ...inst, mode: 'block' });
  await api('POST', '/v1/exchange/instruments', { code: 'A64.AUCTION', name: 'A6.4ER primary auction', ...inst, mode: 'primary' });
  /* The buyer: a holder of the organisation of account 41, with cash. */
  const acc41 = (await api('GET', '/v1/accounts?limit=500')).items.find((x) => x.id === 41);
  const buyerOrg = acc41.organisation;
  assert(buyerOrg && buyerOrg !== 10, 'account 41 is another organisation\'s: ' + JSON.stringify(acc41));
  await api('POST', '/v1/exchange/deposits', { org: buyerOrg, currency: 'EUR', amount: 500000 });
  const r = await api('POST', '/v1/users', { email: 'bea@buyer.example', name: 'Bea Buyer', role: 'holder', organisation: buyerOrg, password: PASSWORD });
  const b = (people.buyer = await person('buyer'));
  await logIn(b, { email: 'bea@buyer.example', password: PASSWORD, secret: r.totp.secret });
  const before = (await api('GET', '/v1/accounts/41/holdings')).total;
  /* The seller sends the quote with the keyboard: fields filled, Enter submits. */
  const d = people.dev;
  await go(d, '#/quotes');
  assert((await d.page.locator('#worknav a[href="#/quotes"]').count()) === 1, 'Quotes in the holder\'s navigation');
  await d.page.selectOption('#quote select[name=instrument]', 'A64.BLOCK');
  await d.page.selectOption('#quote select[name=account]', '43');
  await d.page.selectOption('#quote select[name=side]', 'sell');
  await d.page.fill('#quote input[name=price]', '1500');
  await d.page.fill('#quote input[name=qty]', '10');
  await d.page.fill('#quote input[name=counterparty]', String(buyerOrg));
  await d.page.press('#quote input[name=counterparty]', 'Enter');
  await d.page.waitForSelector('#msg #quoted');
  await ready(d.page);
  const sent = await text(d.page, '#msg');
  const m = sent.match(/Quote (\d+) sent: sell 10 t at 15\.00 EUR to organisation (\d+)/);
  assert(m && Number(m[2]) === buyerOrg, 'quote sent: ' + sent);
  assert((await text(d.page, '#view')).includes('quote sent'), 'the quote listed: ' + (await text(d.page, '#view')).slice(-400));
  await screen(d, 'quotes');
  /* A quote to oneself is refused, with the server's reason. */
  await d.page.fill('#accept input[name=quote]', m[1]);
  await d.page.click('#accept button[type=submit]');
  assert((await answered(d.page, '#accept')).includes('403 forbidden'), 'only the counterparty accepts');
  /* The counterparty accepts it, whole. */
  await go(b, '#/quotes');
  await b.page.fill('#accept input[name=quote]', m[1]);
  await b.page.selectOption('#accept select[name=account]', '41');
  await b.page.click('#accept button[type=submit]');
  await b.page.waitForSelector('#msg #accepted');
  await ready(b.page);
  const acc = await text(b.page, '#msg');
  assert(acc.includes('Quote ' + m[1] + ' accepted: filled, 10 t at 15.00 EUR'), 'accepted: ' + acc);
  assert((await api('GET', '/v1/accounts/41/holdings')).total === before + 10, 'the units delivered to account 41');
  assert((await api('GET', '/v1/exchange/orders')).items.find((x) => x.id === Number(m[1])).status === 'filled', 'the quote filled on the server');
  await screen(b, 'quote-accepted');
  /* A bid on the primary auction (a gtc limit buy on the Exchange screen). */
  await go(d, '#/orders');
  await d.page.selectOption('#order select[name=instrument]', 'A64.AUCTION');
  await d.page.selectOption('#order select[name=account]', '43');
  await d.page.selectOption('#order select[name=side]', 'buy');
  await d.page.fill('#order input[name=price]', '1200');
  await d.page.fill('#order input[name=qty]', '5');
  await d.page.click('#order button[type=submit]');
  await d.page.waitForSelector('#msg #placed');
  await ready(d.page);
  const bid = (await text(d.page, '#msg')).match(/Order (\d+) placed: open/);
  assert(bid, 'bid placed: ' + (await text(d.page, '#msg')));
  /* The administrator runs it: 5 t from account 41 at a reserve of 10.00 EUR. */
  const a = people.admin;
  await go(a, '#/auctions');
  assert((await text(a.page, 'table')).includes('A64.AUCTION'), 'the auctioned instrument listed');
  await a.page.selectOption('#auction select[name=instrument]', 'A64.AUCTION');
  await a.page.fill('#auction input[name=supply]', '5');
  await a.page.fill('#auction input[name=reserve]', '1000');
  await a.page.fill('#auction input[name=from_account]', '41');
  await a.page.fill('#auction input[name=proceeds_org]', '0');
  await a.page.click('#auction button[type=submit]');
  const res = await answered(a.page, '#auction');
  assert(res.includes('Auction of A64.AUCTION: price 12.00 EUR, 5 t sold, 0 t unsold, proceeds 60.00 EUR, from 1 bid.'), 'auction: ' + res);
  assert(new RegExp(bid[1] + ' 10 5 12\\.00 EUR').test(res), 'the allocation listed: ' + res);
  await screen(a, 'auction');
  const o = (await api('GET', '/v1/exchange/orders')).items.find((x) => x.id === Number(bid[1]));
  assert(o && o.status === 'filled', 'the bid filled on the server: ' + JSON.stringify(o));
});

test('authority_ndc_books_aef', async () => {
  /* Ghana's designated authority enters its NDC and a year's figures, opens the books and downloads the AEF. */
  const p = people.dna;
  await go(p, '#/ndc/GHA');
  assert((await text(p.page, '#view')).includes('has no NDC recorded yet'), 'no NDC yet');
  await p.page.fill('#ndc input[name=first_year]', '2021');
  await p.page.fill('#ndc input[name=last_year]', '2030');
  await p.page.selectOption('#ndc select[name=kind]', 'multi-year');
  await p.page.selectOption('#ndc select[name=method]', 'per-year');
  await p.page.fill('#ndc input[name=target_year]', '2030');
  await p.page.fill('#ndc input[name=target]', '30000000');
  await p.page.click('#ndc button[type=submit]');
  await p.page.waitForSelector('#msg #done');
  await ready(p.page);
  assert((await text(p.page, '#msg')).includes('The NDC of GHA is recorded: 2021–2030, target 30,000,000 t CO2e in 2030'), 'NDC recorded: ' + (await text(p.page, '#msg')));
  await p.page.fill('#ndc-year input[name=year]', '2025');
  await p.page.fill('#ndc-year input[name=emissions]', '42000000');
  await p.page.click('#ndc-year button[type=submit]');
  await p.page.waitForFunction(() => document.querySelector('#msg').innerText.includes('GHA 2025 recorded'));
  await ready(p.page);
  const ndc = await api('GET', '/v1/a6/ndcs/GHA');
  assert(ndc.target === 30000000 && ndc.years.some((y) => y.year === 2025 && y.emissions === 42000000), 'the server has the NDC: ' + JSON.stringify(ndc));
  assert((await text(p.page, 'table')).includes('2025 42,000,000'), 'the year is listed: ' + (await text(p.page, 'table')));
  await screen(p, 'a6-ndc');
  /* The books: balances per year and the what-if options. */
  await go(p, '#/books/GHA');
  const books = await text(p.page, '#view');
  const bal = await api('GET', '/v1/a6/balances/GHA');
  assert(books.includes('2025 42,000,000') && bal.years.find((y) => y.year === 2025).adjusted_emissions === 42000000, 'balances: ' + books.slice(0, 500));
  const wi = await api('GET', '/v1/a6/whatif/GHA');
  assert((await p.page.locator('table >> nth=1 >> tbody tr').count()) === wi.options.length, 'every what-if option listed');
  await screen(p, 'a6-books');
  /* The AEF: every check listed, and the export of this year. */
  const y = new Date().getUTCFullYear();
  await go(p, '#/aef/GHA/' + y);
  const checks = await api('GET', '/v1/a6/aef/GHA/checks?year=' + y);
  assert(checks.consistent && (await text(p.page, '#consistency')).includes('pass every consistency check'), 'consistent: ' + (await text(p.page, '#consistency')));
  assert((await p.page.locator('table >> nth=0 >> tbody tr').count()) === checks.checks.length, 'every check listed');
  assert((await text(p.page, '#view')).includes('CA0042'), 'the authorization in table 2');
  await screen(p, 'a6-aef');
  const [x] = await Promise.all([p.page.waitForEvent('download'), p.page.click('#aef-xlsx')]);
  const book = fs.readFileSync(await x.path());
  assert(x.suggestedFilename() === 'AEF-GHA-' + y + '.xlsx' && book.subarray(0, 2).toString() === 'PK', 'the workbook: ' + x.suggestedFilename() + ' ' + book.length);
  const [c] = await Promise.all([p.page.waitForEvent('download'), p.page.click('#aef-export a[data-table=authorizations]')]);
  const csv = fs.readFileSync(await c.path(), 'utf8');
  assert(csv.startsWith('Authorization ID,') && csv.includes(',CA0042,'), 'table 2 as CSV: ' + csv.slice(0, 300));
  /* An amendment: the quantity goes up to 3,000 t; the versions list it. */
  const auth = (await api('GET', '/v1/a6/authorizations?party=GHA')).items.find((a) => a.project === ACT);
  await go(p, '#/a6');
  await p.page.click(`a[aria-label="Amend authorization ${auth.id}"]`);
  await p.page.waitForSelector('body[data-screen="auth"][data-ready="1"]');
  await p.page.fill('#amend input[name=quantity]', '3000');
  await p.page.fill('#amend input[name=reason]', 'second phase of the rooftop programme');
  await p.page.click('#amend button[type=submit]');
  await p.page.waitForSelector('#msg #done');
  await ready(p.page);
  assert((await text(p.page, '#msg')).includes('Authorization ' + auth.id + ' amended: version 2'), 'amended: ' + (await text(p.page, '#msg')));
  const vs = await api('GET', '/v1/a6/authorizations/' + auth.id + '/versions');
  assert(vs.version === 2 && vs.amendments.length === 1 && vs.amendments[0].changes.quantity === 3000 && Object.keys(vs.amendments[0].changes).length === 1,
    'only the changed term is sent: ' + JSON.stringify(vs));
  assert((await text(p.page, 'table')).includes('quantity 3,000') && (await text(p.page, 'table')).includes('second phase'), 'the versions listed');
  await screen(p, 'a6-amend');
  /* Nothing changed: the server's refusal is shown. */
  await p.page.fill('#amend input[name=reason]', 'no change');
  await p.page.click('#amend button[type=submit]');
  assert((await answered(p.page, '#amend')).includes('invalid_value'), 'an amendment without a change is refused');
});

test('reviewer_reads_books_and_aef', async () => {
  const r = await api('POST', '/v1/users', { email: 'rita@review.example', name: 'Rita Reviewer', role: 'reviewer', organisation: 8, password: PASSWORD });
  const p = (people.reviewer = await person('reviewer'));
  await logIn(p, { email: 'rita@review.example', password: PASSWORD, secret: r.totp.secret });
  const navText = await text(p.page, '#worknav');
  assert(navText.includes('Article 6 books') && navText.includes('AEF') && !navText.includes('ETS'), 'reviewer navigation: ' + navText);
  await go(p, '#/books/GHA');
  assert((await text(p.page, '#view')).includes('2025 42,000,000'), 'the reviewer reads the books');
  await screen(p, 'reviewer-books');
  await go(p, '#/ndc/GHA');
  assert(!(await p.page.locator('#view form.grid').count()), 'no form for a reviewer');
  await go(p, '#/aef/GHA/' + new Date().getUTCFullYear());
  assert((await p.page.locator('#aef-xlsx').count()) === 1, 'the reviewer may download the AEF');
  await go(p, '#/a6');
  assert(!(await p.page.locator('#authorize').count()) && !(await p.page.locator('button[aria-label^="Revoke"]').count()), 'no authorization form or revoke button');
  /* Another Party's books: the server's refusal. */
  await go(p, '#/books/CHE');
  assert((await text(p.page, '#view')).includes('403'), 'CHE\'s books are not the reviewer\'s: ' + (await text(p.page, '#view')).slice(0, 300));
});

test('ets_confirmation_held_and_approved', async () => {
  /* CHN01's policy holds the regulator's confirmations; two regulators of the provincial department and an accredited verifier. */
  await api('PUT', '/v1/registries/CHN01/approval-policy', { ets_emissions: true });
  const mk = async (key, name, email, role, org) => {
    const r = await api('POST', '/v1/users', { email, name, role, organisation: org, password: PASSWORD });
    people[key] = await person(key);
    await logIn(people[key], { email, password: PASSWORD, secret: r.totp.secret });
    return people[key];
  };
  const w = await mk('wei', 'Wei Verifier', 'wei@cqc.example', 'validator', 24);
  const z = await mk('zhang', 'Zhang Regulator', 'zhang@gdee.example', 'authority', 23);
  const l = await mk('liu', 'Liu Colleague', 'liu@gdee.example', 'authority', 23);
  const rec = '#/emissions/GD-ETS/GZ.PEARL/2025';
  /* The verifier enters 2025's figure. */
  await go(w, rec);
  await w.page.fill('#enter input[name=verified]', '120000');
  await w.page.click('#enter button[type=submit]');
  await w.page.waitForSelector('#msg #done');
  await ready(w.page);
  assert((await text(w.page, '#status')) === 'entered', 'entered');
  assert(!(await w.page.locator('#confirm').count()), 'a verifier does not confirm');
  /* The regulator: the schemes, the scheme's year, then confirms: held for a second regulator. */
  await go(z, '#/schemes');
  assert((await text(z.page, 'table')).includes('GD-ETS'), 'schemes listed');
  await screen(z, 'ets-schemes');
  await go(z, '#/scheme/GD-ETS/2025');
  assert((await text(z.page, 'table >> nth=0')).includes('GZ.PEARL: Guangzhou Pearl River Power Co. entered'), 'the report shows the entered figure: ' + (await text(z.page, 'table >> nth=0')));
  await screen(z, 'ets-scheme');
  await z.page.click('a[href="' + rec + '"] >> nth=0');
  await z.page.waitForSelector('body[data-screen="emissions"][data-ready="1"]');
  await z.page.click('#confirm button[type=submit]');
  const held = await answered(z.page, '#confirm');
  const m = held.match(/Held for approval: proposal (\d+), state pending/);
  assert(m && held.includes('confirm 120,000 t of verified emissions of GZ.PEARL in GD-ETS for 2025'), 'held: ' + held);
  const id = m[1];
  assert((await api('GET', '/v1/proposals/' + id)).state === 'pending', 'pending on the server');
  assert((await api('GET', '/v1/ets/emissions?scheme=GD-ETS&entity=GZ.PEARL&year=2025')).status === 'entered', 'the record is unchanged');
  await screen(z, 'ets-confirm-held');
  /* The allocation figure, set by the same regulator (not covered by the policy). */
  await go(z, rec);
  assert((await text(z.page, '#pending')).includes('Pending: proposal ' + id), 'shown as pending on the record');
  await z.page.fill('#allocation input[name=allocated]', '100000');
  await z.page.click('#allocation button[type=submit]');
  await z.page.waitForSelector('#msg #done');
  await ready(z.page);
  assert((await api('GET', '/v1/ets/emissions?scheme=GD-ETS&entity=GZ.PEARL&year=2025')).allocated === 100000, 'allocation figure set');
  /* Allowances to move: GD-ETS has no allocation account, and the app shows the server's refusal. */
  await z.page.fill('#allocate input[name=quantity]', '1000');
  await z.page.click('#allocate button[type=submit]');
  assert((await answered(z.page, '#allocate')).includes('has no allocation account (422 invalid_value)'), 'allocation refused');
  await screen(z, 'ets-record-pending');
  /* The colleague sees it awaiting and approves it. */
  await go(l, '#/');
  assert((await text(l.page, '#awaiting')).includes('Proposal ' + id + ': confirm 120,000 t'), 'awaiting the colleague: ' + (await text(l.page, '#awaiting')));
  await go(l, '#/approvals');
  await screen(l, 'ets-approvals');
  await l.page.click(`button[aria-label="Approve proposal ${id}"]`);
  await l.page.waitForSelector('#msg #decided');
  await ready(l.page);
  assert((await text(l.page, '#msg')).includes('Proposal ' + id + ' is now executed'), 'approved: ' + (await text(l.page, '#msg')));
  const r = await api('GET', '/v1/ets/emissions?scheme=GD-ETS&entity=GZ.PEARL&year=2025');
  assert(r.status === 'confirmed' && r.verified === 120000, 'confirmed on the server: ' + JSON.stringify(r));
  /* A correction by the regulator is held too; the colleague rejects it. */
  await go(z, rec);
  assert((await text(z.page, '#status')) === 'confirmed', 'confirmed in the app');
  await z.page.fill('#correct input[name=verified]', '118000');
  await z.page.fill('#correct input[name=reason]', 'meter recalibration of unit 2');
  await z.page.click('#correct button[type=submit]');
  const c = (await answered(z.page, '#correct')).match(/Held for approval: proposal (\d+)/);
  assert(c, 'correction held');
  await go(l, '#/approvals');
  await l.page.click(`button[aria-label="Reject proposal ${c[1]}"]`);
  await l.page.waitForSelector('#msg #decided');
  await ready(l.page);
  assert((await api('GET', '/v1/ets/emissions?scheme=GD-ETS&entity=GZ.PEARL&year=2025')).verified === 120000, 'rejected: the figure stays');
  await go(z, rec);
  const hist = await text(z.page, 'table');
  assert(hist.includes('entered') && hist.includes('confirmed') && hist.includes('120,000'), 'history: ' + hist);
  await screen(z, 'ets-record');
  /* The covered entity's surrender screen lists its years. */
  const e = people.ets;
  await go(e, '#/ets');
  const yrs = await text(e.page, '#view');
  assert(yrs.includes('Your compliance years in GD-ETS') && /2025 confirmed 120,000 100,000/.test(yrs), 'the entity\'s years: ' + yrs.slice(-500));
  await screen(e, 'ets-entity-years');
});

test('ldc_programme_comments_grievance_fees', async () => {
  /* The mechanism administrator registers a programme of activities coordinated by Volta Solar. */
  const sb = people.sb;
  await go(sb, '#/poa');
  const f = '#poa-register';
  await sb.page.fill(f + ' input[name=code]', 'POA.GH1');
  await sb.page.fill(f + ' input[name=title]', 'Ghana solar home systems');
  await sb.page.selectOption(f + ' select[name=mechanism]', 'PACM');
  await sb.page.fill(f + ' input[name=coordinator]', '10');
  await sb.page.selectOption(f + ' select[name=host]', 'GHA');
  await sb.page.selectOption(f + ' select[name=registry]', 'GHA01');
  await sb.page.fill(f + ' input[name=scope]', '1');
  await sb.page.fill(f + ' input[name=methodology]', 'AMS-I.A');
  await sb.page.fill(f + ' input[name=sector]', 'energy');
  await sb.page.fill(f + ' input[name=calculators]', 'grid-renewable');
  await sb.page.fill(f + ' input[name=regions]', 'Northern, Ashanti');
  await sb.page.fill(f + ' input[name=max_annual]', '5000');
  await screen(sb, 'poa-register');
  await sb.page.click(f + ' button[type=submit]');
  await sb.page.waitForSelector('body[data-screen="poa"][data-ready="1"] #poa-facts');
  assert((await api('GET', '/v1/poas/POA.GH1')).criteria.regions.join() === 'Northern,Ashanti', 'registered on the server');
  /* The developer (coordinating entity) proposes two components, one outside the programme's regions. */
  const d = people.dev;
  await go(d, '#/poa/POA.GH1');
  for (const [id, title, region, other] of [['GH1.C001', 'Tamale households', 'Northern', ''], ['GH1.C002', 'Ho households', '', 'Volta']]) {
    await d.page.fill('#component input[name=id]', id);
    await d.page.fill('#component input[name=title]', title);
    await d.page.selectOption('#component select[name=region]', region);
    await d.page.fill('#component input[name=other_region]', other);
    await d.page.fill('#component input[name=expected_annual]', '1200');
    await d.page.fill('#component input[name=crediting_start]', '2026-01-01');
    await d.page.fill('#component input[name=crediting_end]', '2030-12-31');
    await d.page.click('#component button[type=submit]');
    await d.page.waitForFunction((x) => document.querySelector('#msg').innerText.includes('Component ' + x + ' proposed'), id);
    await ready(d.page);
  }
  assert((await text(d.page, 'table')).includes('GH1.C002 Ho households Volta grid-renewable 1,200'), 'components listed: ' + (await text(d.page, 'table')));
  await screen(d, 'poa-components');
  /* The validator's inclusion check: the first is included, the second refused by the server for its region. */
  const val = people.doe;
  await go(val, '#/poa/POA.GH1');
  await val.page.selectOption('#inclusion select[name=component]', 'GH1.C001');
  await val.page.click('#inclusion button[type=submit]');
  await val.page.waitForFunction(() => document.querySelector('#msg').innerText.includes('GH1.C001 included'));
  await ready(val.page);
  await val.page.selectOption('#inclusion select[name=component]', 'GH1.C002');
  await val.page.click('#inclusion button[type=submit]');
  const refused = await answered(val.page, '#inclusion');
  assert(refused.includes('inclusion_refused') && refused.includes('Volta'), 'refused for its region: ' + refused);
  const poa = await api('GET', '/v1/poas/POA.GH1');
  assert(poa.components.map((x) => x.id + ':' + x.state).join() === 'GH1.C001:included,GH1.C002:proposed', 'on the server: ' + JSON.stringify(poa.components.map((x) => x.state)));
  await screen(val, 'poa-inclusion');
  /* A public comment on the activity's submission (PACM: 28 days), answered by the developer. */
  await go(val, '#/activity/' + ACT);
  await val.page.selectOption('#comment select[name=step]', 'submit');
  await val.page.fill('#comment textarea[name=text]', 'How are the panels recycled at the end of their life?');
  await val.page.click('#comment button[type=submit]');
  await val.page.waitForFunction(() => document.querySelector('#msg').innerText.includes('Comment'));
  await ready(val.page);
  assert(/Comment \d+ recorded \(the window closes \d{4}-\d\d-\d\d\)/.test(await text(val.page, '#msg')), 'commented: ' + (await text(val.page, '#msg')));
  await go(d, '#/activity/' + ACT);
  await d.page.fill('#respond textarea[name=text]', 'A take-back scheme with the supplier; see the design document, section 7.');
  await d.page.click('#respond button[type=submit]');
  await d.page.waitForFunction(() => document.querySelector('#msg').innerText.includes('Response'));
  await ready(d.page);
  const cs = await api('GET', '/v1/activities/' + ACT + '/comments');
  assert(cs.items.length === 1 && cs.items[0].responses.length === 1 && cs.items[0].responses[0].text.startsWith('A take-back scheme'), 'the response on the server');
  assert((await text(d.page, '#view')).includes('(holder): A take-back scheme'), 'the response listed');
  await screen(d, 'activity-comments');
  /* A grievance filed by the covered entity's Li Na, then followed. */
  const e = people.ets;
  await go(e, '#/grievance');
  await e.page.selectOption('#grievance select[name=activity]', ACT);
  await e.page.fill('#grievance input[name=subject]', 'Glare from the panels');
  await e.page.fill('#grievance textarea[name=text]', 'The rooftop panels reflect into our control room every morning.');
  await e.page.click('#grievance button[type=submit]');
  await e.page.waitForSelector('#msg #case-link');
  await screen(e, 'grievance-filed');
  await e.page.click('#case-link');
  await e.page.waitForSelector('body[data-screen="grievance"][data-ready="1"] #case');
  assert((await text(e.page, '#case-state')) === 'received' && (await text(e.page, '#case')).includes('Glare from the panels'), 'the case: ' + (await text(e.page, '#case')));
  await screen(e, 'grievance');
  /* The fees statement of Uganda (an LDC: its fees are waived). */
  await go(d, '#/fees/UGA');
  const fees = await api('GET', '/v1/fees/UGA');
  const t = await text(d.page, '#view');
  assert(fees.totals.USD.waived === 512000 && t.includes('USD 0.00 USD 5,120.00 USD') && t.includes('waived (least developed country), LDC'), 'fees: ' + t.slice(0, 600));
  await screen(d, 'fees');
});

test('email_notices_turned_off_and_on', async () => {
  /* The developer's dashboard offers the choice of email notices (on by default, at the login's address). */
  const p = people.dev;
  await go(p, '#/');
  const box = '#notices input[name=email]';
  assert(await p.page.isChecked(box), 'on by default');
  assert((await text(p.page, '#notices')).includes('Email me what awaits me (to '), 'the address is shown');
  const server = () => p.page.evaluate(() => fetch('/v1/session/notices').then((r) => r.json()));
  await p.page.uncheck(box);
  await p.page.click('#notices button[type=submit]');
  const off = await answered(p.page, '#notices');
  assert(off.includes('Email notices are off'), 'turned off: ' + off);
  assert((await server()).email === false, 'off on the server');
  await screen(p, 'dashboard-notices-off');
  await go(p, '#/');
  assert(!(await p.page.isChecked(box)), 'read back off');
  await p.page.check(box);
  await p.page.click('#notices button[type=submit]');
  const on = await answered(p.page, '#notices');
  assert(on.includes('Email notices are on: they go to '), 'turned on: ' + on);
  assert((await server()).email === true, 'on on the server');
});

/* ---- languages (issue 22: "every screen ... speaks the languages of the
 * pages issue") ---------------------------------------------------------------
 * The app's catalogues web/i18n/app-LANG.json have the same keys and
 * placeholders; every key the app's code names is in them; the app's code
 * and pages hold no user-visible English outside them. */
const LANGS = ['en', 'fr', 'es', 'zh'];
const LOCALES = { en: 'en-US', fr: 'fr-FR', es: 'es-ES', zh: 'zh-CN' };
const APP_JS = ['work.js', 'work-a6.js', 'work-ets.js', 'work-ldc.js', 'work-ex.js'];
const catalogue = (l) => JSON.parse(fs.readFileSync(path.join(ROOT, 'web', 'i18n', 'app-' + l + '.json'), 'utf8'));
const placeholders = (v) => [...new Set(String(typeof v === 'object' ? v.other : v).match(/\{\w+\}/g) || [])].sort().join(' ');
/* Strings of the code that are not shown: class names with a space, protocol
 * names, the languages' own names, a console message for developers. */
const NOT_SHOWN = new Set(['use strict', 'English', 'Français', 'Español', 'Content-Type', 'Idempotency-Key', 'ledger6: no message ', ' in app-', 'CHE, JPN',
  'table-wrap cards', 'status empty', 'status error', 'status ok', 'status held', 'field check', 'serial block', 'grid step', 'grid login', 'verdict ok', 'verdict bad']);

/* What the catalogue check finds wrong in the catalogues cat and the app's
 * sources src ({file: text}): a list of findings, empty when all is well. */
function catalogueFindings(cat, src) {
  const out = [];
  const keys = Object.keys(cat.en).sort();
  for (const l of LANGS) {
    const k = Object.keys(cat[l]).sort();
    const missing = keys.filter((x) => !(x in cat[l]));
    const extra = k.filter((x) => !(x in cat.en));
    if (missing.length || extra.length) out.push('app-' + l + '.json: missing ' + missing.join(', ') + '; extra ' + extra.join(', '));
    for (const key of keys) {
      const v = cat[l][key];
      if (v === undefined) continue;
      if (!(typeof v === 'string' ? v.length > 0 : v && typeof v.other === 'string')) out.push(l + ': ' + key + ' is no message nor a plural with "other"');
      else if (placeholders(v) !== placeholders(cat.en[key])) out.push(l + ': ' + key + ' has the placeholders ' + placeholders(v) + ', English ' + placeholders(cat.en[key]));
    }
  }
  for (const [f, text] of Object.entries(src)) {
    if (f.endsWith('.html')) {
      for (const m of text.matchAll(/data-i18n(?:-html)?="([^"]+)"/g)) if (!(m[1] in cat.en)) out.push(f + ': no message ' + m[1]);
      for (const m of text.matchAll(/data-i18n-attr="([^"]+)"/g)) for (const p of m[1].split(';')) if (!(p.split('=')[1] in cat.en)) out.push(f + ': no message ' + p);
      /* Text of the page outside elements with data-i18n: punctuation only. */
      const body = text.slice(text.indexOf('<body'));
      const rest = body.replace(/<(\w+)[^>]*data-i18n-html="[^"]*"[^>]*>[\s\S]*?<\/\1>/g, '').replace(/<(\w+)[^>]*data-i18n="[^"]*"[^>]*>[^<]*<\/\1>/g, '').replace(/<[^>]*>/g, ' ');
      const words = rest.match(/[A-Za-z]{2,}/g);
      if (words) out.push(f + ' has text outside the catalogues: ' + words.join(' '));
      continue;
    }
    const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
    for (const m of code.matchAll(/\btr[nx]?\('([A-Za-z0-9_.-]+)'(\s*\+)?/g))
      if (m[2] ? !keys.some((k) => k.startsWith(m[1])) : !(m[1] in cat.en)) out.push(f + ': no message ' + m[1] + (m[2] ? '…' : ''));
    for (const m of code.matchAll(/\bword\('([a-z-]+)'/g)) if (!keys.some((k) => k.startsWith(m[1] + '.'))) out.push(f + ': no words of ' + m[1]);
    for (const m of code.matchAll(/\bscreen\('[^']*', '([^']+)'/g)) if (!(m[1] in cat.en)) out.push(f + ': no screen title ' + m[1]);
    for (const m of code.matchAll(/\.nav = '([^']+)'/g)) if (!(m[1] in cat.en)) out.push(f + ': no navigation label ' + m[1]);
    /* String literals that read as English words (the pages' rule): none,
     * apart from the catalogue's keys and what is never shown. */
    const english = [...code.matchAll(/'((?:[^'\\\n]|\\.)*)'/g)].map((m) => m[1])
      .filter((s) => !NOT_SHOWN.has(s) && !(s in cat.en) && !keys.some((k) => s.endsWith('.') && k.startsWith(s)) &&
        (/[A-Za-z]{2,}[ ,:;.]+[A-Za-z]{2,}/.test(s) || /^[A-Z][a-z]{2,}/.test(s)) && !/^(\/|#|ledger6 |[a-z-]+(\/[a-z+.-]+)?$)/.test(s));
    if (english.length) out.push(f + ': English outside the catalogues: ' + english.join(' | '));
  }
  return out;
}

test('app_catalogues', async () => {
  const cat = Object.fromEntries(LANGS.map((l) => [l, catalogue(l)]));
  const src = Object.fromEntries([...APP_JS, 'work.html', 'work-letter.html'].map((f) => [f, fs.readFileSync(path.join(ROOT, 'web', f), 'utf8')]));
  const found = catalogueFindings(cat, src);
  assert(!found.length, found.slice(0, 20).join('\n'));
  assert(Object.keys(cat.en).length > 900, 'the app\'s messages: ' + Object.keys(cat.en).length);
  /* The check can fail: a key one catalogue misses, a placeholder a
   * translation drops, an English literal in the code, text in a page. */
  const drop = JSON.parse(JSON.stringify(cat));
  delete drop.es['dash.awaiting'];
  drop.fr['tx.done'] = drop.fr['tx.done'].replace('{id}', '');
  const bad = catalogueFindings(drop, { 'work.js': src['work.js'].replace("empty(tr('hold.empty'))", "empty('No units in this account.')"),
    'work.html': src['work.html'].replace('</main>', '<p>Hello there</p></main>') });
  for (const want of ['app-es.json: missing dash.awaiting', 'fr: tx.done has the placeholders', 'English outside the catalogues: No units in this account.', 'work.html has text outside the catalogues: Hello there'])
    assert(bad.some((x) => x.includes(want)), 'the check finds "' + want + '": ' + bad.join('\n'));
});

/* Each role's main screen in French, Spanish and Chinese, as its person
 * picks the language in the app (the picker the pages have, remembered as
 * l6_lang): the lang attribute, the screen's title and the navigation in the
 * language, no English left (a string of app-en.json that the language says
 * otherwise), numbers in the locale's format, an axe-core scan and
 * screenshots at laptop and phone width (app-LANG-ROLE.png, -phone.png).
 * Back to English at the end. */
const LANG_SCREENS = [['admin', 'admin', '#/users', 'screen.users'], ['dev', 'holder', '#/holdings', 'screen.holdings'],
  ['doe', 'validator', '#/cycle', 'screen.cycle'], ['dna', 'authority', '#/a6', 'screen.a6'], ['sb', 'mechanism-admin', '#/cycle', 'screen.cycle'],
  ['reviewer', 'reviewer', '#/books/GHA', 'screen.books'], ['ets', 'covered-entity', '#/ets', 'screen.ets']];
const KNOWN = { fr: ['Tableau de bord', 'Se déconnecter'], es: ['Panel', 'Cerrar sesión'], zh: ['工作台', '退出登录'] };

test('app_in_four_languages', async () => {
  const en = catalogue('en');
  const flat = (v) => (typeof v === 'object' ? Object.values(v) : [v]);
  const held = await api('GET', '/v1/accounts/43/holdings');
  const big = Math.max(...held.by_unit_type_vintage.map((r) => r.quantity));
  assert(big >= 10000, 'a quantity that groups its digits in every locale: ' + big);
  try {
    for (const [li, l] of ['fr', 'es', 'zh'].entries()) {
      const cat = catalogue(l);
      const own = new Set(Object.values(cat).flatMap(flat));
      const leftovers = new Set(Object.entries(en).filter(([k, v]) => !/\{/.test(JSON.stringify(v)) && JSON.stringify(v) !== JSON.stringify(cat[k]))
        .flatMap(([, v]) => flat(v)).map((s) => s.trim()).filter((s) => s.length > 3 && !own.has(s)));
      const picked = new Set();
      for (const [i, [who, name, hash, titleKey]] of LANG_SCREENS.entries()) {
        const p = people[who];
        assert(p, 'a person ' + who);
        await go(p, hash);
        if (!picked.has(who)) {
          await p.page.selectOption('#lang', l); /* the picker reloads the app in the language */
          await p.page.waitForFunction((x) => document.documentElement.lang === x && document.body.dataset.ready === '1', l);
          picked.add(who);
        }
        assert((await p.page.evaluate(() => localStorage.getItem('l6_lang'))) === l, name + ': ' + l + ' is remembered');
        assert((await p.page.evaluate(() => document.documentElement.lang)) === l, name + ': <html lang="' + l + '">');
        assert((await p.page.locator('#lang').inputValue()) === l, name + ': the picker shows ' + l);
        const title = (await p.page.locator('#title').innerText()).trim();
        assert(title === cat[titleKey], name + ' (' + l + '): the title ' + JSON.stringify(title) + ', not ' + JSON.stringify(cat[titleKey]));
        const head = await text(p.page, 'header');
        for (const w of KNOWN[l]) assert(head.includes(w), name + ' (' + l + '): "' + w + '" in the header: ' + head);
        const texts = await p.page.evaluate(() => {
          const o = [];
          const w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
          for (let n = w.nextNode(); n; n = w.nextNode()) if (n.nodeValue.trim() && !n.parentElement.closest('script,style')) o.push(n.nodeValue.trim());
          for (const e of document.querySelectorAll('[aria-label],[placeholder]')) o.push(e.getAttribute('aria-label') || e.getAttribute('placeholder'));
          return o;
        });
        const left = texts.filter((t) => leftovers.has(t));
        assert(!left.length, name + ' (' + l + '): English left on the screen: ' + left.join(' | '));
        if (name === 'holder') {
          const want = new Intl.NumberFormat(LOCALES[l]).format(big).replace(/\s+/g, ' '); /* text() folds the narrow no-break space */
          assert(l !== 'fr' || /\u202f/.test(await p.page.locator('#view').innerText()), 'the French group separator');
          assert((await text(p.page, '#view')).includes(want), 'holdings in the ' + l + ' number format (' + want + '): ' + (await text(p.page, '#view')).slice(0, 300));
        }
        /* The axe scan and the two screenshots cost seconds a screen: each
         * language has those of its share of the roles, each role in one
         * language (the holder's in all three); the text checks above run
         * for every role in every language. */
        if (i % 3 === li || name === 'holder') await screen(p, l + '-' + name);
      }
    }
  } finally {
    for (const who of new Set(LANG_SCREENS.map((x) => x[0]))) {
      const p = people[who];
      if (!p) continue;
      await p.page.evaluate(() => localStorage.removeItem('l6_lang'));
      await p.page.reload();
      await ready(p.page);
    }
  }
});

test('keyboard_and_logout', async () => {
  const p = people.dev;
  await p.page.goto(base + '/work.html#/');
  await p.page.reload();
  await ready(p.page);
  await p.page.keyboard.press('Tab');
  assert((await p.page.evaluate(() => document.activeElement.textContent)) === 'Skip to content', 'first Tab: the skip link');
  /* Tab through to the navigation's "Holdings" and follow it with Enter. */
  let found = false;
  for (let i = 0; i < 6 && !found; i++) {
    await p.page.keyboard.press('Tab');
    found = (await p.page.evaluate(() => document.activeElement.getAttribute('href'))) === '#/holdings';
  }
  assert(found, 'Tab reaches the navigation');
  await p.page.keyboard.press('Enter');
  await p.page.waitForSelector('body[data-screen="holdings"][data-ready="1"]');
  assert((await p.page.evaluate(() => document.activeElement.id)) === 'title', 'focus moves to the new screen\'s title');
  assert((await p.page.getAttribute('#worknav a[href="#/holdings"]', 'aria-current')) === 'page', 'current screen marked');
  /* A screen of another role is not offered. */
  await go(p, '#/users');
  assert((await text(p.page, '#view')).includes('not for your role'), 'the users screen is not for a holder');
  await p.page.click('#logout');
  await p.page.waitForSelector('body[data-screen="login"][data-ready="1"]');
  assert((await text(p.page, '#msg')).includes('Logged out'), 'logged out');
  const r = await p.page.evaluate(async () => (await fetch('/v1/session')).status);
  assert(r === 401, 'the session ended on the server');
});

let passed = 0;
const failed = [];
const t0all = Date.now();
for (const t of tests) {
  const t0 = Date.now();
  try {
    await t.fn();
    passed++;
    console.log(`[       OK ] ${t.name} (${Date.now() - t0} ms)`);
  } catch (e) {
    failed.push(t.name);
    console.log(`[  ERROR   ] ${t.name}: ${e.message}`);
    for (const p of Object.values(people)) {
      try {
        await p.page.screenshot({ path: path.join(SHOTS, 'app-failed-' + t.name + '-' + p.label + '.png'), fullPage: true });
      } catch (e2) {
        /* no screenshot */
      }
    }
  }
}
if (consoleErrors.length) {
  console.log('browser console errors:\n  ' + consoleErrors.join('\n  '));
  failed.push('console_errors');
}
console.log('screens scanned with axe-core: ' + scanned.length + ' (' + scanned.join(', ') + '); ' + ((Date.now() - t0all) / 1000).toFixed(1) + ' s in all, ' +
  (screenMs / 1000).toFixed(1) + ' s of them scanning and taking screenshots');
await browser.close();
server.kill('SIGTERM');
await new Promise((r) => server.on('exit', r));
fs.rmSync(tmp, { recursive: true, force: true });
summary(passed, failed.length, failed);
process.exit(failed.length ? 1 : 0);
