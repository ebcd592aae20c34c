// The borrower portal in a real browser (issue 15 item 6, ADR 0083): Debian's Chromium driven by
// playwright-core, headless, at a phone's 390×844, in both languages. A real server listens on
// loopback; the borrower, their booked loan and its repayment are made through the API; the
// borrower signs in with a token (from the URL fragment, and pasted), sees their loans, changes a
// reminder setting, files a report and makes a plan. Each page is screenshotted under
// test-artifacts/portal/ and checked with axe-core (no serious or critical violation); the browser
// console must stay free of errors. Without Chromium the suite is skipped, naming the Debian package;
// under CI=true it fails instead.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  APPROVE_ALL,
  type BookedBorrower,
  bookedBorrower,
  borrowerToken,
  seedPortalFunders,
} from '../support/borrower.ts';
import { createHarness, type Harness } from '../support/harness.ts';
import { tableRows } from '../support/rows.ts';

const CHROMIUM = '/usr/bin/chromium';
const DEBIAN_PACKAGE = 'chromium';
const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts', 'portal');
const VIEWPORT = { width: 390, height: 844 };
const available = existsSync(CHROMIUM);

if (!available && process.env.CI === 'true')
  throw new Error(
    `${CHROMIUM} is missing: CI must install the Debian package '${DEBIAN_PACKAGE}' (.ci/apt-packages)`,
  );
if (!available)
  console.warn(
    `portal browser tests skipped: ${CHROMIUM} not found; install the Debian package '${DEBIAN_PACKAGE}'`,
  );

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: unknown[];
}

describe.skipIf(!available)('the borrower portal in Chromium', () => {
  let h: Harness;
  let base: string;
  let browser: Browser;
  let me: BookedBorrower;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    h = await createHarness('pglite', { services: { routing: APPROVE_ALL } });
    const keys = await seedPortalFunders(h);
    me = await bookedBorrower(h, keys, 701);
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    const address = h.app.server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    base = `http://127.0.0.1:${address.port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  async function open(
    language: 'zh-CN' | 'en',
  ): Promise<{ context: BrowserContext; page: Page; consoleErrors: string[] }> {
    const consoleErrors: string[] = [];
    // bypassCSP only so axe's script can be injected; the page's own CSP is checked over HTTP.
    const context = await browser.newContext({ viewport: VIEWPORT, locale: language, bypassCSP: true });
    const page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(`${language}: ${message.text()}`);
    });
    page.on('pageerror', (error) => consoleErrors.push(`${language}: ${error.message}`));
    return { context, page, consoleErrors };
  }

  async function check(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
    await page.addScriptTag({ content: axeSource });
    const violations = (await page.evaluate(async () => {
      // biome-ignore lint/suspicious/noExplicitAny: axe is injected into the page at run time
      const axe = (globalThis as any).axe;
      return (await axe.run(document, { resultTypes: ['violations'] })).violations;
    })) as AxeViolation[];
    const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(
      serious.map((v) => `${v.id}: ${v.help} (${v.nodes.length})`),
      name,
    ).toEqual([]);
  }

  const channels = () => h.call('GET', `/v1/customers/${me.customerId}/reminder-settings`);

  it('zh-CN: signs in from the fragment, shows the loan, changes a reminder, files a report, makes a plan', async () => {
    const { context, page, consoleErrors } = await open('zh-CN');
    await page.goto(`${base}/portal#token=${encodeURIComponent(me.token)}`);
    await page.locator('#signed-in').waitFor({ state: 'visible' });
    expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');
    // the token left the address bar and went nowhere but sessionStorage
    expect(new URL(page.url()).hash).toBe('');
    expect(await page.evaluate(() => sessionStorage.getItem('shoujia.borrowerToken'))).toBe(me.token);
    const card = page.locator(`[data-loan="${me.loanId}"]`);
    await expect.poll(() => card.count()).toBe(1);
    const text = await card.innerText();
    expect(text).toContain('dear-bank');
    expect(text).toContain('下期还款');
    // the next installment (2) and its amount, as repayments compute it
    expect(text).toContain(`¥${Math.floor(me.schedule[1]!.paymentFen / 100).toLocaleString('en-US')}.`);
    expect(text).toContain('综合年化成本');
    await card.locator('summary').click();
    expect(await card.locator('table tr').count()).toBe(1 + 12);
    expect(await card.locator('table').innerText()).toContain('已还清');
    await check(page, 'zh-CN-1-loans');

    // reminders: turn text messages off
    expect((await channels()).body.channels.sms).toBe(true);
    await page.getByLabel('短信', { exact: true }).uncheck();
    await page.getByRole('button', { name: '保存提醒设置' }).click();
    await expect.poll(() => page.locator('#reminder-status').innerText()).toBe('已保存');
    expect((await channels()).body.channels).toEqual({ sms: false, push: true, email: true });
    await check(page, 'zh-CN-2-reminders');

    // a report of an unsolicited offer
    const before = (await tableRows(h)).detection_evidence!;
    await page.getByLabel('对方自称的机构名称').fill('某某银行');
    await page.getByLabel('联系方式').selectOption('sms');
    await page.getByLabel('联系时间').fill('2026-03-20T10:30');
    await page.getByLabel('对方推销的内容').fill('短信推销低息贷款，要求绕开平台');
    await page.getByRole('button', { name: '提交举报' }).click();
    await expect.poll(() => page.locator('#report-status').innerText()).toBe('已收到您的举报，谢谢。');
    expect((await tableRows(h)).detection_evidence).toBe(before + 1);
    await check(page, 'zh-CN-3-report');

    // the plan: income and a loan from elsewhere, added by hand
    await page.getByLabel('月收入（元）').fill('15000');
    await page.getByRole('button', { name: '添加其他借款' }).click();
    await page.getByLabel('借款机构').fill('某网贷');
    await page.getByLabel('剩余本金（元）').fill('20000');
    await page.getByLabel('对方标称年利率（%）').fill('30');
    await page.getByLabel('剩余期数（月）').fill('12');
    await page.getByLabel('每月还款（元）').fill('1950');
    await page.getByRole('button', { name: '生成规划' }).click();
    const avalanche = page.locator('[data-suggestion="avalanche"]');
    await expect.poll(() => avalanche.count()).toBe(1);
    expect(await avalanche.innerText()).toContain('优先偿还成本最高的 某网贷');
    const consolidations = page.locator('[data-suggestion="consolidate"]');
    expect(await consolidations.count()).toBeGreaterThan(0);
    expect(await consolidations.first().innerText()).toContain('cheap-bank');
    expect(await page.locator('#plan-result').innerText()).toContain('月还款占收入比例');
    await check(page, 'zh-CN-4-plan');
    await context.close();
    expect(consoleErrors).toEqual([]);
  });

  it('en: signs in with a pasted token, in English, and changes the reminder back', async () => {
    const token = await borrowerToken(h, me.customerId);
    const { context, page, consoleErrors } = await open('en');
    await page.goto(`${base}/portal?lang=en`);
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    await check(page, 'en-0-signin');
    await page.getByLabel('Borrower token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#signed-in').waitFor({ state: 'visible' });
    const card = page.locator(`[data-loan="${me.loanId}"]`);
    await expect.poll(() => card.count()).toBe(1);
    expect(await card.innerText()).toContain('Next payment');
    // pricing's disclosure stays the issued Chinese text, marked as Chinese for screen readers
    expect(await card.locator('.disclosure').getAttribute('lang')).toBe('zh-CN');
    await check(page, 'en-1-loans');

    await expect.poll(() => page.getByLabel('Text message', { exact: true }).isChecked()).toBe(false);
    await page.getByLabel('Text message', { exact: true }).check();
    await page.getByRole('button', { name: 'Save reminder settings' }).click();
    await expect.poll(() => page.locator('#reminder-status').innerText()).toBe('Saved');
    expect((await channels()).body.channels.sms).toBe(true);
    await check(page, 'en-2-reminders');

    await page.getByLabel('Institution they said they were').fill('Some Bank');
    await page.getByLabel('How they contacted you').selectOption('call');
    await page.getByLabel('When').fill('2026-03-21T09:00');
    await page.getByLabel('What they offered').fill('A loan at a lower rate, outside the platform');
    await page.getByRole('button', { name: 'Send report' }).click();
    await expect
      .poll(() => page.locator('#report-status').innerText())
      .toBe('Thank you, we have your report.');
    await check(page, 'en-3-report');

    await page.getByRole('button', { name: 'Make my plan' }).click();
    await expect.poll(() => page.locator('[data-suggestion="avalanche"]').count()).toBe(1);
    expect(await page.locator('#plan-result').innerText()).toContain('Repay dear-bank first');
    await check(page, 'en-4-plan');

    // switching back to Chinese re-translates the page in place, data included
    await page.getByRole('button', { name: '中文' }).click();
    expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');
    expect(await page.locator('h1').innerText()).toBe('我的借款');
    expect(await page.locator('#plan-result').innerText()).toContain('优先偿还成本最高的 dear-bank');
    await context.close();
    expect(consoleErrors).toEqual([]);
  });

  it('a forged token is turned away with a message', async () => {
    const { context, page, consoleErrors } = await open('zh-CN');
    await page.goto(`${base}/portal#token=sjb_forged`);
    await expect.poll(() => page.locator('#error').innerText()).toContain('令牌无效');
    expect(await page.locator('#signin').isVisible()).toBe(true);
    expect(await page.evaluate(() => sessionStorage.getItem('shoujia.borrowerToken'))).toBeNull();
    await context.close();
    // the forged token's 401 answers are the only console errors here
    const unexpected = consoleErrors.filter((line) => !/status of 401/.test(line));
    expect(unexpected).toEqual([]);
  });
});
