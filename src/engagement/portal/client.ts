/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// The borrower portal's script, bundled by esbuild when the app is built (serve.ts) and served
// from /portal/portal.js. The borrower token comes pasted or in the URL fragment (#token=…, never
// a query string: a fragment is not sent to the server or in a Referer), and is kept in
// sessionStorage only. Every string comes from strings.ts.
import { DEFAULT_LANGUAGE, format, LANGUAGES, type Language, STRINGS, type StringKey } from './strings.ts';

const TOKEN_KEY = 'shoujia.borrowerToken';
const LANGUAGE_KEY = 'shoujia.language';
/** Installments shown per loan in the history (the schedule is at most 360). */
const HISTORY_LOANS_MAX = 20;
const MANUAL_LOANS_MAX = 10;
const REMINDER_CHANNELS = ['sms', 'push', 'email'] as const;

type Json = Record<string, unknown>;
interface NextDue {
  installmentNo: number;
  dueDate: string;
  remainingFen: number;
}
interface BorrowerLoan {
  loanId: string;
  funderId: string;
  principalFen: number;
  outstandingPrincipalFen: number;
  closed: boolean;
  overdueCount: number;
  nextDue: NextDue | null;
  aprText: string;
  disclosureText: string;
}
interface Installment {
  installmentNo: number;
  dueDate: string;
  dueFen: number;
  paidFen: number;
  state: string;
}
interface Apr {
  nominal: number;
}
interface Plan {
  monthlyIncomeFen: number;
  monthlyPaymentsFen: number;
  debtServiceRatio: number | null;
  loans: Array<{
    id: string;
    source: string;
    lender: string;
    principalOutstandingFen: number;
    remainingCostFen: number;
    trueCost: Apr;
  }>;
  avalanche: null | { lender: string; trueCost: Apr; prepaymentFen: number; interestSavedFen: number };
  consolidations: Array<{
    loanIds: string[];
    funderId: string;
    amountFen: number;
    termMonths: number;
    apr: Apr;
    monthlyPaymentFen: number;
    savingFen: number;
  }>;
  nothingCheaper: boolean;
  eligibilityKnown: boolean;
}

const state: {
  language: Language;
  loans: BorrowerLoan[] | null;
  history: Map<string, Installment[]>;
  plan: Plan | null;
} = {
  language: DEFAULT_LANGUAGE,
  loans: null,
  history: new Map(),
  plan: null,
};

const byId = <T extends HTMLElement>(id: string): T => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`the page has no #${id}`);
  return element as T;
};
const t = (key: StringKey, values?: Record<string, string | number>) => format(state.language, key, values);

function yuan(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  const whole = Math.floor(abs / 100).toLocaleString('en-US');
  return `${sign}¥${whole}.${String(abs % 100).padStart(2, '0')}`;
}
const percent = (rate: number) => `${(rate * 100).toFixed(2)}%`;

/** Yuan as typed ("1234.5") → fen, or null when it is not a plain amount. */
function fenOf(text: string): number | null {
  const match = /^\s*(\d{1,11})(?:\.(\d{1,2}))?\s*$/.exec(text);
  if (!match) return null;
  return Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
}

function element(tag: string, text?: string, attributes: Record<string, string> = {}): HTMLElement {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
}

// ---- talking to the API ----

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const response = await fetch(path, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const answer = (await response.json().catch(() => ({}))) as Json;
  if (!response.ok) {
    const error = (answer.error ?? {}) as { code?: string; message?: string };
    throw new ApiError(response.status, error.code ?? 'unknown', error.message ?? response.statusText);
  }
  return answer;
}

function showError(error: unknown): void {
  const box = byId('error');
  if (error instanceof ApiError && error.status === 401) {
    sessionStorage.removeItem(TOKEN_KEY);
    box.textContent = t('signin.invalid');
    showSignedIn(false);
  } else
    box.textContent = t('status.error', { message: error instanceof Error ? error.message : String(error) });
  box.hidden = false;
}

// ---- language ----

function applyLanguage(): void {
  document.documentElement.lang = state.language;
  for (const node of document.querySelectorAll<HTMLElement>('[data-i18n]'))
    node.textContent = STRINGS[state.language][node.dataset.i18n as StringKey];
  for (const node of document.querySelectorAll<HTMLElement>('[data-i18n-title]'))
    node.title = STRINGS[state.language][node.dataset.i18nTitle as StringKey];
  // the switch names the other language, in that language
  byId('lang-switch-name').lang = state.language === 'en' ? 'zh-CN' : 'en';
  renderLoans();
  renderPlan();
}

// ---- loans and their history ----

function renderLoans(): void {
  const list = byId('loan-list');
  list.replaceChildren();
  if (state.loans === null) return;
  if (state.loans.length === 0) {
    list.append(element('p', t('loans.none')));
    return;
  }
  for (const loan of state.loans) {
    const card = element('article', undefined, { class: 'card', 'data-loan': loan.loanId });
    card.append(element('h3', t('loans.funderLine', { funder: loan.funderId })));
    const facts = element('dl');
    const fact = (key: StringKey, value: string) => facts.append(element('dt', t(key)), element('dd', value));
    fact('loans.principal', yuan(loan.principalFen));
    fact('loans.outstanding', yuan(loan.outstandingPrincipalFen));
    fact(
      'loans.nextDue',
      loan.closed
        ? t('loans.closed')
        : loan.nextDue
          ? t('loans.nextDueValue', { date: loan.nextDue.dueDate, amount: yuan(loan.nextDue.remainingFen) })
          : t('loans.noneDue'),
    );
    fact('loans.apr', loan.aprText);
    card.append(facts);
    if (loan.overdueCount > 0)
      card.append(element('p', t('loans.overdue', { count: loan.overdueCount }), { class: 'error' }));
    card.append(element('h4', t('loans.disclosure')));
    // pricing's disclosure is the issued Chinese text in either language
    card.append(element('p', loan.disclosureText, { class: 'disclosure', lang: 'zh-CN' }));
    const history = state.history.get(loan.loanId);
    if (history) {
      const details = element('details');
      details.append(element('summary', t('loans.history')));
      const table = element('table');
      const head = element('tr');
      for (const key of [
        'loans.installment',
        'loans.dueDate',
        'loans.due',
        'loans.paid',
        'loans.state',
      ] as const)
        head.append(element('th', t(key), { scope: 'col' }));
      table.append(head);
      for (const line of history) {
        const row = element('tr');
        row.append(
          element('td', String(line.installmentNo)),
          element('td', line.dueDate),
          element('td', yuan(line.dueFen)),
          element('td', yuan(line.paidFen)),
          element('td', t(`state.${line.state}` as StringKey)),
        );
        table.append(row);
      }
      details.append(table);
      card.append(details);
    }
    list.append(card);
  }
}

async function loadLoans(): Promise<void> {
  const answer = await api('GET', '/v1/borrower/loans');
  state.loans = answer.loans as BorrowerLoan[];
  await Promise.all(
    state.loans.slice(0, HISTORY_LOANS_MAX).map(async (loan) => {
      const installments = await api(
        'GET',
        `/v1/borrower/loans/${encodeURIComponent(loan.loanId)}/installments`,
      );
      state.history.set(loan.loanId, installments.installments as Installment[]);
    }),
  );
  renderLoans();
}

// ---- reminder settings (h/remind's /v1/borrower/reminder-settings) ----

async function loadReminders(): Promise<void> {
  const status = byId('reminder-status');
  try {
    const answer = await api('GET', '/v1/borrower/reminder-settings');
    const settings = (answer.settings ?? answer) as Record<string, boolean>;
    for (const channel of REMINDER_CHANNELS)
      byId<HTMLInputElement>(`reminder-${channel}`).checked = settings[channel] !== false;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) status.textContent = t('status.unavailable');
    else throw error;
  }
}

async function saveReminders(event: Event): Promise<void> {
  event.preventDefault();
  const settings = Object.fromEntries(
    REMINDER_CHANNELS.map((channel) => [channel, byId<HTMLInputElement>(`reminder-${channel}`).checked]),
  );
  await api('PUT', '/v1/borrower/reminder-settings', settings);
  byId('reminder-status').textContent = t('status.saved');
}

// ---- the report of an unsolicited offer ----

let reportKey = crypto.randomUUID();

async function sendReport(event: Event): Promise<void> {
  event.preventDefault();
  const when = byId<HTMLInputElement>('report-when').value;
  // datetime-local is the borrower's own clock; the platform's borrowers are in Asia/Shanghai
  const contactedAt = new Date(`${when}:00+08:00`).toISOString();
  await api(
    'POST',
    '/v1/borrower/reports',
    {
      funderName: byId<HTMLInputElement>('report-funder').value.trim(),
      channel: byId<HTMLSelectElement>('report-channel').value,
      contactedAt,
      offered: byId<HTMLTextAreaElement>('report-offered').value.trim(),
    },
    // a retry of the same report is the same report
    { 'idempotency-key': reportKey },
  );
  reportKey = crypto.randomUUID();
  byId<HTMLFormElement>('report-form').reset();
  byId('report-status').textContent = t('report.thanks');
}

// ---- the financing plan ----

const MANUAL_FIELDS = [
  ['lender', 'plan.lender'],
  ['outstanding', 'plan.outstanding'],
  ['rate', 'plan.rate'],
  ['remaining', 'plan.remaining'],
  ['payment', 'plan.payment'],
] as const;
let manualCount = 0;

function addManualLoan(): void {
  const holder = byId('manual-loans');
  if (holder.children.length >= MANUAL_LOANS_MAX) return;
  manualCount += 1;
  const box = element('fieldset', undefined, { class: 'card', 'data-manual': String(manualCount) });
  for (const [name, key] of MANUAL_FIELDS) {
    const id = `manual-${manualCount}-${name}`;
    const label = element('label', t(key), { for: id, 'data-i18n': key });
    const input = element('input', undefined, {
      id,
      name,
      required: '',
      ...(name === 'lender' ? { maxlength: '50' } : { inputmode: 'decimal' }),
    });
    box.append(label, input);
  }
  const remove = element('button', t('plan.removeLoan'), {
    type: 'button',
    class: 'secondary',
    'data-i18n': 'plan.removeLoan',
  });
  remove.addEventListener('click', () => box.remove());
  box.append(remove);
  holder.append(box);
}

function manualLoans(): Json[] {
  return [...byId('manual-loans').querySelectorAll<HTMLFieldSetElement>('fieldset')].map((box) => {
    const value = (name: string) => box.querySelector<HTMLInputElement>(`input[name=${name}]`)!.value;
    return {
      lender: value('lender').trim(),
      principalOutstandingFen: fenOf(value('outstanding')),
      rateAnnual: Number(value('rate')) / 100,
      remainingTermMonths: Number(value('remaining')),
      monthlyPaymentFen: fenOf(value('payment')),
    };
  });
}

async function makePlan(event?: Event): Promise<void> {
  event?.preventDefault();
  const income = byId<HTMLInputElement>('plan-income').value;
  const monthlyIncomeFen = income.trim() === '' ? undefined : fenOf(income);
  state.plan = (await api('POST', '/v1/borrower/plan', {
    ...(monthlyIncomeFen === undefined || monthlyIncomeFen === null ? {} : { monthlyIncomeFen }),
    loans: manualLoans(),
  })) as unknown as Plan;
  renderPlan();
}

function renderPlan(): void {
  const out = byId('plan-result');
  out.replaceChildren();
  const plan = state.plan;
  if (plan === null) return;
  out.append(
    element(
      'p',
      plan.debtServiceRatio === null
        ? t('plan.dsrUnknown', { payments: yuan(plan.monthlyPaymentsFen) })
        : t('plan.dsr', { ratio: percent(plan.debtServiceRatio), payments: yuan(plan.monthlyPaymentsFen) }),
    ),
  );
  const list = element('ul');
  const names = new Map(plan.loans.map((loan) => [loan.id, loan.lender]));
  for (const loan of plan.loans)
    list.append(
      element(
        'li',
        t('plan.loanWithSource', {
          line: t('plan.loanLine', {
            lender: loan.lender,
            outstanding: yuan(loan.principalOutstandingFen),
            apr: percent(loan.trueCost.nominal),
            cost: yuan(loan.remainingCostFen),
          }),
          source: t(loan.source === 'manual' ? 'plan.source.manual' : 'plan.source.platform'),
        }),
      ),
    );
  out.append(list);
  if (plan.avalanche)
    out.append(
      element(
        'p',
        t('plan.avalanche', {
          lender: plan.avalanche.lender,
          apr: percent(plan.avalanche.trueCost.nominal),
          prepay: yuan(plan.avalanche.prepaymentFen),
          saved: yuan(plan.avalanche.interestSavedFen),
        }),
        { class: 'suggestion', 'data-suggestion': 'avalanche' },
      ),
    );
  for (const suggestion of plan.consolidations)
    out.append(
      element(
        'p',
        t('plan.consolidate', {
          loans: suggestion.loanIds.map((id) => names.get(id) ?? id).join(t('list.separator')),
          funder: suggestion.funderId,
          amount: yuan(suggestion.amountFen),
          term: suggestion.termMonths,
          apr: percent(suggestion.apr.nominal),
          payment: yuan(suggestion.monthlyPaymentFen),
          saving: yuan(suggestion.savingFen),
        }),
        { class: 'suggestion', 'data-suggestion': 'consolidate' },
      ),
    );
  if (!plan.eligibilityKnown) out.append(element('p', t('plan.eligibilityUnknown')));
  else if (plan.nothingCheaper)
    out.append(element('p', t('plan.nothingCheaper'), { 'data-suggestion': 'none' }));
  out.append(element('p', t('plan.capNote')));
}

// ---- sign-in and start ----

function showSignedIn(signedIn: boolean): void {
  byId('signin').hidden = signedIn;
  byId('signed-in').hidden = !signedIn;
}

async function start(): Promise<void> {
  const status = byId('status');
  status.textContent = t('status.loading');
  byId('error').hidden = true;
  try {
    await Promise.all([loadLoans(), loadReminders(), makePlan()]);
    showSignedIn(true);
    status.textContent = '';
  } catch (error) {
    status.textContent = '';
    showError(error);
  }
}

/** Run a handler, showing what went wrong instead of failing silently. */
const guarded = (handler: (event: Event) => Promise<void>) => (event: Event) => {
  handler(event).catch(showError);
};

function init(): void {
  const stored = sessionStorage.getItem(LANGUAGE_KEY);
  state.language = LANGUAGES.includes(stored as Language)
    ? (stored as Language)
    : (document.documentElement.lang as Language);
  if (!LANGUAGES.includes(state.language)) state.language = DEFAULT_LANGUAGE;
  applyLanguage();
  // #token=… : taken once, then removed from the address bar and the history
  const fragment = /^#token=([^&]{1,200})$/.exec(location.hash);
  if (fragment) {
    sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(fragment[1]!));
    history.replaceState(null, '', location.pathname);
  }
  byId('lang-switch').addEventListener('click', () => {
    state.language = state.language === 'zh-CN' ? 'en' : 'zh-CN';
    sessionStorage.setItem(LANGUAGE_KEY, state.language);
    applyLanguage();
  });
  byId('signin-form').addEventListener(
    'submit',
    guarded(async (event) => {
      event.preventDefault();
      const input = byId<HTMLInputElement>('token');
      sessionStorage.setItem(TOKEN_KEY, input.value.trim());
      input.value = '';
      await start();
    }),
  );
  byId('signout').addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    state.loans = null;
    state.plan = null;
    state.history.clear();
    renderLoans();
    renderPlan();
    showSignedIn(false);
  });
  byId('reminder-form').addEventListener('submit', guarded(saveReminders));
  byId('report-form').addEventListener('submit', guarded(sendReport));
  byId('plan-form').addEventListener('submit', guarded(makePlan));
  byId('add-loan').addEventListener('click', addManualLoan);
  if (sessionStorage.getItem(TOKEN_KEY)) start();
  else showSignedIn(false);
}

init();
