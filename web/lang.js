'use strict';
/* lang.js -- the languages of the public pages (app.js) and of the working
 * app (work.js), loaded before either (docs/API.md "Web pages", Languages;
 * docs/APP.md "Languages"). Every string shown comes from a message
 * catalogue, web/i18n/PREFIX + LANG + .json (the pages: no prefix; the app:
 * "app-"): flat keys, "{name}" placeholders, a plural is {"one": ...,
 * "other": ...} chosen by Intl.PluralRules. The language: the one picked on
 * any page or screen (localStorage l6_lang), else the browser's
 * (navigator.languages), else English; numbers and dates through Intl in its
 * locale. Language names are shown in their own language (endonyms). The
 * script that loads this one defines num(n) (a count in the locale), which
 * trn uses. */
const LANGS = { en: { name: 'English', locale: 'en-US' }, fr: { name: 'Français', locale: 'fr-FR' },
  es: { name: 'Español', locale: 'es-ES' }, zh: { name: '中文', locale: 'zh-CN' } };
const LANG_KEY = 'l6_lang';
function pickLang() {
  let l = null;
  try {
    l = localStorage.getItem(LANG_KEY);
  } catch (e) {
    /* storage off */
  }
  if (l && LANGS[l]) return l;
  for (const n of navigator.languages || [navigator.language || '']) {
    const p = String(n).toLowerCase().split('-')[0];
    if (LANGS[p]) return p;
  }
  return 'en';
}
const LANG = pickLang();
const LOCALE = LANGS[LANG].locale;
const PLURAL = new Intl.PluralRules(LOCALE);
let MSG = {};
let SHOWN = 'en'; /* the language whose catalogue loaded */
let CATALOGUE = ''; /* its file name's prefix */
function msg(key) {
  const s = MSG[key];
  if (s === undefined) {
    console.error('ledger6: no message ' + key + ' in ' + CATALOGUE + SHOWN + '.json');
    return key;
  }
  return s;
}
const fill = (s, vars) => (vars ? s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m)) : s);
/* tr('key', {name: value}) -> the message with its placeholders filled (as text). */
const tr = (key, vars) => fill(msg(key), vars);
/* A plural message: the form for count n ({n} is n formatted). */
function trn(key, n, vars) {
  const m = msg(key);
  const s = typeof m === 'object' ? m[PLURAL.select(n)] || m.other : m;
  return fill(s, Object.assign({ n: num(n) }, vars));
}
/* A message whose placeholders may be elements: a list of text and nodes for el(). */
function trx(key, vars) {
  return msg(key).split(/(\{\w+\})/).filter((p) => p !== '').map((p) => {
    const m = p.match(/^\{(\w+)\}$/);
    return m && m[1] in vars ? vars[m[1]] : p;
  });
}
/* A value of a closed set from the API (a project's type, a state, a
 * kind...) in words, or the value itself when the catalogue has no word. */
const word = (group, v) => (v !== null && v !== undefined && MSG[group + '.' + v] !== undefined ? MSG[group + '.' + v] : v);

/* Loads the catalogue PREFIX + LANG (else English's); returns the language
 * loaded, or null when none could be. */
async function loadMessages(prefix) {
  CATALOGUE = prefix;
  for (const l of LANG === 'en' ? ['en'] : [LANG, 'en']) {
    try {
      const r = await fetch('/i18n/' + prefix + l + '.json');
      if (r.ok) {
        MSG = await r.json();
        SHOWN = l;
        return l;
      }
    } catch (e) {
      /* try English */
    }
  }
  return null;
}

/* The attributes marked data-i18n-attr="attr=key;..." (an element's text,
 * data-i18n, is the page's own: the pages give titles a form of their own). */
function translateAttrs() {
  for (const e of document.querySelectorAll('[data-i18n-attr]'))
    for (const pair of e.dataset.i18nAttr.split(';')) {
      const [a, k] = pair.split('=');
      e.setAttribute(a, tr(k));
    }
}

/* The language picker at the end of the header, showing lang; a choice is
 * kept for every page and screen and the page loaded again. el and $ come
 * from the page's script. */
function langPicker(lang) {
  const header = $('header');
  if (!header) return;
  const sel = el('select', { id: 'lang', name: 'lang' }, Object.entries(LANGS).map(([c, l]) => el('option', { value: c, lang: c }, l.name)));
  sel.value = lang;
  sel.addEventListener('change', () => {
    try {
      localStorage.setItem(LANG_KEY, sel.value);
    } catch (e) {
      /* storage off: this page only */
    }
    location.reload();
  });
  header.append(el('label', { class: 'lang' }, tr('lang.label') + ' ', sel));
}
