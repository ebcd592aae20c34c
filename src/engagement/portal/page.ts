// The portal's page, rendered on the server in the requested language (zh-CN by default): the
// forms and headings are in the HTML, the borrower's data is filled in by the script (client.ts).
// Mobile first: one column, large touch targets, system fonts (nothing is fetched from elsewhere).
import { BORROWER_REPORT_CHANNELS } from '../../detection/model.ts';
import { type Language, STRINGS, type StringKey } from './strings.ts';

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

/** The reminder channels the settings form shows (engagement's REMINDER_CHANNELS, h/remind). */
export const PORTAL_REMINDER_CHANNELS = ['sms', 'push', 'email'] as const;

export function renderPage(language: Language): string {
  const t = (key: StringKey) => escapeHtml(STRINGS[language][key]);
  /** an element whose text the script re-translates on a language switch */
  const i18n = (key: StringKey) => `data-i18n="${key}">${t(key)}`;
  const channels = BORROWER_REPORT_CHANNELS.map(
    (c) => `<option value="${c}" data-i18n="channel.${c}">${t(`channel.${c}` as StringKey)}</option>`,
  ).join('');
  const reminderBoxes = PORTAL_REMINDER_CHANNELS.map(
    (c) =>
      `<label class="check"><input type="checkbox" name="${c}" id="reminder-${c}"> <span data-i18n="reminders.${c}">${t(`reminders.${c}` as StringKey)}</span></label>`,
  ).join('');
  return `<!doctype html>
<html lang="${language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title data-i18n="page.title">${t('page.title')}</title>
<link rel="stylesheet" href="/portal/portal.css">
<script src="/portal/portal.js" defer></script>
</head>
<body>
<header>
  <h1 ${i18n('page.heading')}</h1>
  <button type="button" id="lang-switch" title="${t('lang.switchLabel')}" data-i18n-title="lang.switchLabel"><span id="lang-switch-name" lang="${language === 'en' ? 'zh-CN' : 'en'}" ${i18n('lang.switch')}</span></button>
</header>
<main>
  <p ${i18n('page.intro')}</p>
  <p id="status" role="status" aria-live="polite"></p>
  <p id="error" role="alert" class="error" hidden></p>

  <section id="signin" aria-labelledby="signin-heading">
    <h2 id="signin-heading" ${i18n('signin.heading')}</h2>
    <p ${i18n('signin.help')}</p>
    <form id="signin-form">
      <label for="token" ${i18n('signin.token')}</label>
      <input id="token" name="token" type="password" autocomplete="off" required maxlength="200">
      <button type="submit" ${i18n('signin.submit')}</button>
    </form>
  </section>

  <div id="signed-in" hidden>
    <p><button type="button" id="signout" class="secondary" ${i18n('signin.signout')}</button></p>

    <section id="loans" aria-labelledby="loans-heading">
      <h2 id="loans-heading" ${i18n('loans.heading')}</h2>
      <div id="loan-list"></div>
    </section>

    <section id="reminders" aria-labelledby="reminders-heading">
      <h2 id="reminders-heading" ${i18n('reminders.heading')}</h2>
      <p ${i18n('reminders.help')}</p>
      <form id="reminder-form">
        <fieldset><legend class="visually-hidden" ${i18n('reminders.heading')}</legend>${reminderBoxes}</fieldset>
        <button type="submit" ${i18n('reminders.save')}</button>
        <p id="reminder-status" role="status" aria-live="polite"></p>
      </form>
    </section>

    <section id="plan" aria-labelledby="plan-heading">
      <h2 id="plan-heading" ${i18n('plan.heading')}</h2>
      <p ${i18n('plan.help')}</p>
      <form id="plan-form">
        <label for="plan-income" ${i18n('plan.income')}</label>
        <input id="plan-income" name="income" inputmode="decimal" pattern="[0-9]{1,10}([.][0-9]{1,2})?">
        <div id="manual-loans"></div>
        <button type="button" id="add-loan" class="secondary" ${i18n('plan.addLoan')}</button>
        <button type="submit" ${i18n('plan.submit')}</button>
      </form>
      <div id="plan-result" aria-live="polite"></div>
    </section>

    <section id="report" aria-labelledby="report-heading">
      <h2 id="report-heading" ${i18n('report.heading')}</h2>
      <p ${i18n('report.help')}</p>
      <form id="report-form">
        <label for="report-funder" ${i18n('report.funderName')}</label>
        <input id="report-funder" name="funderName" required maxlength="50">
        <label for="report-channel" ${i18n('report.channel')}</label>
        <select id="report-channel" name="channel">${channels}</select>
        <label for="report-when" ${i18n('report.contactedAt')}</label>
        <input id="report-when" name="contactedAt" type="datetime-local" required>
        <label for="report-offered" ${i18n('report.offered')}</label>
        <textarea id="report-offered" name="offered" required maxlength="2000" rows="3"></textarea>
        <button type="submit" ${i18n('report.submit')}</button>
        <p id="report-status" role="status" aria-live="polite"></p>
      </form>
    </section>
  </div>
</main>
</body>
</html>
`;
}

export const PORTAL_CSS = `
:root { color-scheme: light; --ink: #1b1b1b; --muted: #4a4a4a; --line: #c9c9c9; --accent: #0b4f8a; --bad: #a30000; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "PingFang SC", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; color: var(--ink); background: #fff; }
header { display: flex; justify-content: space-between; align-items: center; padding: 12px 16px; border-bottom: 1px solid var(--line); }
h1 { font-size: 1.35rem; margin: 0; }
h2 { font-size: 1.15rem; margin: 1.5rem 0 .5rem; }
main { padding: 0 16px 32px; max-width: 40rem; margin: 0 auto; }
label { display: block; margin-top: .75rem; font-weight: 600; }
label.check { display: flex; align-items: center; gap: .5rem; font-weight: 400; min-height: 44px; margin: 0; }
input, select, textarea { font: inherit; width: 100%; padding: .6rem; border: 1px solid #767676; border-radius: 6px; color: var(--ink); background: #fff; }
input[type=checkbox] { width: 1.4rem; height: 1.4rem; }
button { font: inherit; min-height: 44px; margin-top: .75rem; padding: .5rem 1rem; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; }
button.secondary { background: #fff; color: var(--accent); }
button:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible, summary:focus-visible { outline: 3px solid #f2a900; outline-offset: 2px; }
fieldset { border: 0; padding: 0; margin: 0; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 12px; margin: .75rem 0; }
.card dl { display: grid; grid-template-columns: auto 1fr; gap: .25rem .75rem; margin: 0; }
.card dt { color: var(--muted); }
.card dd { margin: 0; }
.disclosure { white-space: pre-wrap; font-size: .9rem; color: var(--muted); }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { text-align: left; padding: .25rem; border-bottom: 1px solid var(--line); }
.error { color: var(--bad); font-weight: 600; }
.suggestion { border-left: 4px solid var(--accent); padding-left: .75rem; margin: .75rem 0; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`;
