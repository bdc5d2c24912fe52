import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrowserContext, chromium, Locator, Page } from 'playwright-core';
import { TransactionView } from '@app/protocol';
import { ROOT } from '../../scripts/lib/build';
import { reserve, transfer, debit, credit } from '../support/branches';
import { CHROMIUM_INSTALL_TIMEOUT_MS, chromiumPath } from '../support/chromium';
import { startStack, Stack } from '../support/stack';

jest.setTimeout(180_000);

// The screenshots in docs/screenshots are refreshed only on request, so a test run leaves the tree clean.
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS
  ? join(ROOT, 'docs', 'screenshots')
  : join(ROOT, 'test-results', 'screenshots');
const DESKTOP = { width: 1280, height: 800 };
const MOBILE = { width: 390, height: 844 };
const RESOLVE_NOTE = 'Credit applied by hand in the ledger, ticket OPS-42';

const byTestId = (page: Page, id: string) => page.locator(`[data-testid="${id}"]`);
/** One attribute of every element the locator matches, in page order. */
const attributes = async (locator: Locator, name: string): Promise<string[]> =>
  Promise.all(
    (await locator.all()).map(async (element) => (await element.getAttribute(name)) ?? ''),
  );

describe('admin UI in a real browser: settling stuck transactions', () => {
  let stack: Stack;
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  let retried: string;
  let resolved: string;
  const cancelled: string[] = [];
  const browserProblems: string[] = [];
  const requestedUrls: string[] = [];

  const waitUntil = async (what: string, check: () => Promise<boolean>): Promise<void> => {
    for (let i = 0; i < 300; i++) {
      if (await check()) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`never happened: ${what}`);
  };
  const view = async (id: string): Promise<TransactionView> => {
    const response = await stack.api.getTransaction(id);
    if (!response.ok) throw new Error(`GET ${id} answered ${response.status}`);
    return response.body;
  };
  const openDetail = async (id: string): Promise<void> => {
    await page.goto(`${stack.apps.coordinator.url}/admin/#/transactions/${id}`);
    await byTestId(page, 'detail-id').filter({ hasText: id }).waitFor();
  };
  const shoot = (name: string) =>
    page.screenshot({ path: join(SCREENSHOTS, name), animations: 'disabled' });

  beforeAll(async () => {
    const executablePath = chromiumPath((line) => process.stdout.write(`\n${line}\n`));
    stack = await startStack({
      name: 'admin-ui',
      env: {
        // Stuck after the confirm request's attempt and one failed retry by recovery; after
        // that the retries back off towards ten minutes, so the operator acts between them.
        coordinator: {
          TCC_STUCK_AFTER_ATTEMPTS: '2',
          TCC_RETRY_BASE_MS: '100',
          TCC_RETRY_MAX_MS: '600000',
        },
      },
    });
    const [alice, bob] = await stack.seedCrossShardPair('ui', 50_000);
    await stack.seedAccount('ui-shop', 0);
    await stack.seedStock('UI-SKU', 100);

    for (const amount of [1200, 800, 450]) {
      const done = await stack.api.beginTransaction({ branches: transfer(alice, bob, amount) });
      expect(done.body).toMatchObject({ status: 'CONFIRMED' });
    }
    const purchase = await stack.api.beginTransaction({
      branches: [reserve('UI-SKU', 2, 'ui-order-1'), debit(bob, 2000), credit('ui-shop', 2000)],
    });
    expect(purchase.body).toMatchObject({ status: 'CONFIRMED' });
    for (const amount of [900_000, 750_000]) {
      const refused = await stack.api.beginTransaction({ branches: transfer(bob, alice, amount) });
      expect(refused.body).toMatchObject({ status: 'CANCELLED' });
      cancelled.push((refused.body as { id: string }).id);
    }

    // Two interactive transfers whose tries succeed; then the account participant dies,
    // so their confirms are decided but cannot be delivered.
    const interactive: string[] = [];
    for (const amount of [300, 700]) {
      const begun = await stack.api.beginTransaction({
        branches: transfer(alice, bob, amount),
        autoCommit: false,
        timeoutMs: 300_000,
      });
      expect(begun.status).toBe(201);
      interactive.push((begun.body as { id: string }).id);
    }
    [retried, resolved] = interactive;
    stack.apps.account.kill('SIGKILL');
    for (const id of interactive) {
      const confirm = await stack.api.confirm(id);
      expect(confirm.status).toBe(202);
      expect(confirm.body).toMatchObject({ status: 'CONFIRMING' });
    }
    for (const id of interactive) {
      await waitUntil(`${id} is stuck`, async () => (await view(id)).stuck);
    }

    profile = mkdtempSync(join(tmpdir(), 'tcc-admin-ui-'));
    mkdirSync(SCREENSHOTS, { recursive: true });
    context = await chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
      viewport: DESKTOP,
      deviceScaleFactor: 1,
      locale: 'en-GB',
      timezoneId: 'UTC',
    });
    context.setDefaultTimeout(30_000);
    page = context.pages()[0] ?? (await context.newPage());
    page.on('request', (request) => requestedUrls.push(request.url()));
    page.on('pageerror', (error) => browserProblems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      // A refused sign-in is logged by the browser as a failed load: that one is expected.
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
        browserProblems.push(`console: ${message.text()}`);
      }
    });
  }, CHROMIUM_INSTALL_TIMEOUT_MS + 180_000);

  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await stack?.stop();
  });

  it('refuses a wrong token with a message, then signs in with the admin token', async () => {
    await page.goto(`${stack.apps.coordinator.url}/admin`);
    await byTestId(page, 'signin-token').fill('not-the-admin-token');
    await byTestId(page, 'signin-submit').click();
    const error = byTestId(page, 'signin-error');
    await error.waitFor();
    expect(await error.textContent()).toContain('not accepted');

    await byTestId(page, 'signin-token').fill(stack.secrets.apiKey);
    await byTestId(page, 'signin-submit').click();
    await error.filter({ hasText: 'API key' }).waitFor();

    await byTestId(page, 'signin-token').fill(stack.secrets.adminToken);
    await byTestId(page, 'signin-submit').click();
    await byTestId(page, 'stuck-count').waitFor();
    expect(await byTestId(page, 'nav-overview').getAttribute('aria-current')).toBe('page');
  });

  it('shows the stuck count, outcomes and participant health on the overview', async () => {
    expect(Number(await byTestId(page, 'stuck-count').textContent())).toBeGreaterThanOrEqual(1);
    expect(Number(await byTestId(page, 'status-count-CONFIRMED').textContent())).toBe(4);
    expect(Number(await byTestId(page, 'status-count-CANCELLED').textContent())).toBe(2);
    expect(Number(await byTestId(page, 'status-count-CONFIRMING').textContent())).toBe(2);
    await byTestId(page, 'outcomes-chart').waitFor();
    expect(await byTestId(page, 'participants-table').textContent()).toContain('Unhealthy');
    await shoot('overview.png');
  });

  it('draws the last-hour chart across its whole card, on a wide screen and on a phone', async () => {
    const card = page.locator('section.panel', { has: byTestId(page, 'outcomes-chart') });
    // Each auto-refresh replaces the chart's nodes: a measurement that straddles one
    // finds a node already taken off the page, and is simply taken again.
    const widths = async () => {
      const [chart, panel] = await Promise.all([
        byTestId(page, 'outcomes-chart').boundingBox(),
        card.boundingBox(),
      ]);
      return chart && panel ? { chart: chart.width, panel: panel.width } : undefined;
    };
    // The card's padding (1.25rem a side) is all that may be left empty.
    const fillsItsCard = async () => {
      const measured = await widths();
      return (
        measured !== undefined &&
        measured.chart <= measured.panel &&
        measured.chart > measured.panel - 50
      );
    };
    await waitUntil('the chart fills its card on a wide screen', fillsItsCard);

    await page.setViewportSize(MOBILE);
    await waitUntil('the chart is drawn again for the narrow card', fillsItsCard);
    // Auto-refresh rebuilds the overview every five seconds: the chart stays on the page.
    const refreshed = byTestId(page, 'updated-at');
    const before = await refreshed.textContent();
    await waitUntil(
      'the overview refreshed',
      async () => (await refreshed.textContent()) !== before,
    );
    await waitUntil('the refreshed chart fills its card', fillsItsCard);
    await page.setViewportSize(DESKTOP);
  });

  it('opens the stuck list with both transactions', async () => {
    await byTestId(page, 'stuck-card').click();
    await page.waitForURL(/#\/transactions\?stuck=true$/);
    await byTestId(page, 'tx-table').waitFor();
    const rows = byTestId(page, 'tx-row');
    await waitUntil('both stuck rows', async () => (await rows.count()) === 2);
    const ids = await Promise.all([0, 1].map((index) => rows.nth(index).getAttribute('data-id')));
    expect(ids.sort()).toEqual([retried, resolved].sort());
    expect(await byTestId(page, 'nav-stuck').getAttribute('aria-current')).toBe('page');
    await shoot('list.png');
  });

  it('shows the failing branch with its last error on the detail page', async () => {
    await page
      .locator(`[data-testid="tx-row"][data-id="${retried}"] [data-testid="tx-link"]`)
      .click();
    await byTestId(page, 'detail-id').filter({ hasText: retried }).waitFor();
    expect(await byTestId(page, 'detail-status').textContent()).toBe('CONFIRMING');
    await byTestId(page, 'detail-stuck').waitFor();
    const errors = await byTestId(page, 'branch-error').allTextContents();
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.join(' ')).toMatch(/ECONNREFUSED/);
    await byTestId(page, 'action-retry').waitFor();
    await byTestId(page, 'action-resolve').waitFor();
    await shoot('detail.png');

    await page.setViewportSize(MOBILE);
    await byTestId(page, 'action-retry').waitFor();
    await shoot('detail-mobile.png');
    await page.setViewportSize(DESKTOP);
  });

  it('resolves a stuck transaction with a note that stays in its events', async () => {
    await openDetail(resolved);
    await byTestId(page, 'action-resolve').click();
    const dialog = byTestId(page, 'confirm-dialog');
    await dialog.waitFor();
    // A resolve without a note is not sent.
    await byTestId(page, 'dialog-confirm').click();
    await page.locator('#dialog-note-error').waitFor();
    await byTestId(page, 'note-input').fill(RESOLVE_NOTE);
    await byTestId(page, 'dialog-confirm').click();
    await byTestId(page, 'toast').filter({ hasText: 'Transaction resolved.' }).waitFor();
    await byTestId(page, 'detail-resolved').waitFor();
    const resolvedEvent = byTestId(page, 'event-row').filter({ hasText: 'RESOLVED' });
    await resolvedEvent.locator('summary').click();
    expect(await resolvedEvent.innerText()).toContain(RESOLVE_NOTE);
    expect(await view(resolved)).toMatchObject({ resolved: true, stuck: false });
  });

  it('retries phase 2 once the participant is back and shows the transaction confirmed', async () => {
    // Each failed retry doubles recovery's wait; from the eighth on it is at least 12.8 s,
    // which leaves the operator's retry the first to reach the restarted participant.
    await waitUntil('recovery backed off', async () => (await view(retried)).attempts >= 8);
    await stack.apps.account.restart();
    await openDetail(retried);
    await byTestId(page, 'action-retry').click();
    await byTestId(page, 'confirm-dialog').waitFor();
    await byTestId(page, 'dialog-confirm').click();
    // Should recovery's own retry still land first on a slow machine, this one is refused
    // (a toast says why) and the page shows the result all the same.
    await byTestId(page, 'toast').first().waitFor();
    const status = byTestId(page, 'detail-status');
    await waitUntil('the detail shows CONFIRMED', async () => {
      if ((await status.textContent()) === 'CONFIRMED') return true;
      await byTestId(page, 'detail-refresh').click();
      return false;
    });
    expect(await byTestId(page, 'action-retry').count()).toBe(0);
    const branches = await byTestId(page, 'branch-status').allTextContents();
    expect(branches).toEqual(['CONFIRMED', 'CONFIRMED']);
    expect(await view(retried)).toMatchObject({ status: 'CONFIRMED', stuck: false });
  });

  it('finds a transaction by the 8 characters the list shows', async () => {
    const [target] = cancelled;
    await page.goto(`${stack.apps.coordinator.url}/admin/#/transactions`);
    const link = page.locator(
      `[data-testid="tx-row"][data-id="${target}"] [data-testid="tx-link"]`,
    );
    const shown = (await link.textContent()) ?? '';
    expect(shown).toBe(`${target.slice(0, 8)}…`);

    // Typed as read, ellipsis included.
    await byTestId(page, 'filter-search').fill(shown);
    await byTestId(page, 'filter-search').press('Enter');
    await page.waitForURL(new RegExp(`q=${target.slice(0, 8)}$`));
    const rows = byTestId(page, 'tx-row');
    await waitUntil('only the rows that start with the prefix', async () => {
      const ids = await attributes(rows, 'data-id');
      return ids.includes(target) && ids.every((id) => id.startsWith(target.slice(0, 8)));
    });

    await byTestId(page, 'filter-search').fill('no-such-key');
    await byTestId(page, 'filter-search').press('Enter');
    await byTestId(page, 'tx-empty').waitFor();
  });

  it('shows a timeline to the millisecond, branch ids in one form, and when a finished transaction ended', async () => {
    const [target] = cancelled;
    const tx = await view(target);
    await openDetail(target);
    const events = byTestId(page, 'event-row');
    await waitUntil(
      'every event is shown',
      async () => (await events.count()) === tx.events.length,
    );
    expect(tx.events.length).toBeGreaterThanOrEqual(5);

    // Local time is UTC here, so each event shows its ISO time of day, milliseconds included,
    // and its offset from the start, never decreasing.
    const times = byTestId(page, 'event-time');
    expect(await attributes(times, 'datetime')).toEqual(tx.events.map((event) => event.at));
    expect(await times.allTextContents()).toEqual(tx.events.map((event) => event.at.slice(11, 23)));
    const offset = (at: string) => {
      const ms = Date.parse(at) - Date.parse(tx.createdAt);
      return ms < 1000 ? `+${ms} ms` : `+${(ms / 1000).toFixed(3)} s`;
    };
    expect(await byTestId(page, 'event-offset').allTextContents()).toEqual(
      tx.events.map((event) => offset(event.at)),
    );

    // Every branch id on the page, wherever it appears, reads as its first 8 characters
    // with the whole id on hover; the full id is never the visible text.
    const branchIds = tx.branches.map((branch) => branch.id);
    const codes = page.locator(
      [
        '[data-testid="branches-table"] code',
        '[data-testid="event-branch"]',
        '[data-testid="detail-failed-branch"] code',
        '[data-testid="detail-reason"] code',
      ].join(', '),
    );
    const ids = await attributes(codes, 'data-id');
    expect(new Set(ids)).toEqual(new Set(branchIds));
    expect(await attributes(codes, 'title')).toEqual(ids);
    expect(await codes.allTextContents()).toEqual(ids.map((id) => `${id.slice(0, 8)}…`));
    expect(await byTestId(page, 'detail-reason').locator('code').count()).toBe(1);
    expect(
      await byTestId(page, 'detail-failed-branch').locator('code').getAttribute('data-id'),
    ).toBe(tx.failedBranchId);
    const text = await page.locator('.detail').innerText();
    for (const id of branchIds) expect(text).not.toContain(id);

    // Finished: when it ended, no deadline counting into the past.
    const finished = byTestId(page, 'detail-finished');
    expect(await finished.locator('time').getAttribute('datetime')).toBe(tx.updatedAt);
    expect(await byTestId(page, 'detail-deadline').count()).toBe(0);
    expect(text).not.toContain('Deadline');
  });

  it('signs out and forgets the token', async () => {
    await byTestId(page, 'signout').click();
    await byTestId(page, 'signin-notice').filter({ hasText: 'Signed out.' }).waitFor();
    // An expression, not a function: the tests compile without the DOM library.
    const stored: unknown = await page.evaluate('window.sessionStorage.length');
    expect(stored).toBe(0);
    await page.reload();
    await byTestId(page, 'signin-token').waitFor();
    expect(await byTestId(page, 'nav-overview').isVisible()).toBe(false);
  });

  it('ran without page errors or Content-Security-Policy violations', () => {
    expect(browserProblems).toEqual([]);
  });

  it('never put the admin token in a URL or a log', () => {
    expect(requestedUrls.length).toBeGreaterThan(0);
    const { adminToken } = stack.secrets;
    expect(requestedUrls.filter((url) => url.includes(adminToken))).toEqual([]);
    expect(stack.apps.coordinator.logs()).not.toContain(adminToken);
  });
});
