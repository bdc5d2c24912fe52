import { api, describeError, isQuietError } from '../api.js';
import { outcomesChart } from '../chart.js';
import { h, table, timeCell } from '../dom.js';
import { autoRefresh } from '../ui.js';

const STATUSES = ['TRYING', 'CONFIRMING', 'CONFIRMED', 'CANCELLING', 'CANCELLED'];
const REFRESH_MS = 5000;

/**
 * @typedef {{ name: string, baseUrl: string, actions: string[], lastSuccessAt: string | null,
 *   lastErrorAt: string | null, lastError: string | null }} Participant
 * @typedef {{ byStatus: Record<string, number>, stuck: number,
 *   lastHour: { bucketMinutes: number, buckets: import('../chart.js').Bucket[] },
 *   participants: Participant[] }} Stats
 */

/**
 * Healthy when the latest call succeeded; unhealthy when the latest was an error.
 * @param {Participant} p
 * @returns {'healthy' | 'unhealthy' | 'unknown'}
 */
export function participantHealth(p) {
  const success = p.lastSuccessAt ? Date.parse(p.lastSuccessAt) : Number.NEGATIVE_INFINITY;
  const failure = p.lastErrorAt ? Date.parse(p.lastErrorAt) : Number.NEGATIVE_INFINITY;
  if (failure === Number.NEGATIVE_INFINITY && success === Number.NEGATIVE_INFINITY)
    return 'unknown';
  return failure > success ? 'unhealthy' : 'healthy';
}

const HEALTH_LABEL = { healthy: 'Healthy', unhealthy: 'Unhealthy', unknown: 'No calls yet' };
const HEALTH_TONE = { healthy: 'tone-green', unhealthy: 'tone-red', unknown: 'tone-grey' };

/**
 * @param {Stats} stats
 * @returns {HTMLElement[]}
 */
function renderStats(stats) {
  const stuck = h(
    'a',
    {
      class: `stuck-card ${stats.stuck > 0 ? 'is-alert' : 'is-clear'}`,
      href: '#/transactions?stuck=true',
      testid: 'stuck-card',
    },
    h('span', { class: 'stuck-count', testid: 'stuck-count', text: stats.stuck }),
    h('span', {
      class: 'stuck-label',
      text:
        stats.stuck === 1
          ? 'stuck transaction needs a person'
          : stats.stuck > 0
            ? 'stuck transactions need a person'
            : 'stuck transactions',
    }),
    h('span', { class: 'stuck-link', text: 'Open the stuck list →' }),
  );

  const cards = h(
    'div',
    { class: 'status-cards' },
    STATUSES.map((status) =>
      h(
        'a',
        {
          class: `status-card status-card-${status.toLowerCase()}`,
          href: `#/transactions?status=${status}`,
          testid: `status-card-${status}`,
        },
        h('span', { class: 'status-card-label', text: status }),
        h('span', {
          class: 'status-card-count',
          testid: `status-count-${status}`,
          text: stats.byStatus[status] ?? 0,
        }),
      ),
    ),
  );

  const { buckets, bucketMinutes } = stats.lastHour;
  const confirmed = buckets.reduce((sum, b) => sum + b.confirmed, 0);
  const cancelled = buckets.reduce((sum, b) => sum + b.cancelled, 0);
  const minutes = Math.max(1, buckets.length * bucketMinutes);
  const throughput = (confirmed + cancelled) / minutes;
  const chart = h(
    'section',
    { class: 'panel', 'aria-labelledby': 'chart-title' },
    h(
      'div',
      { class: 'panel-head' },
      h('h2', { id: 'chart-title', text: 'Last hour' }),
      h(
        'p',
        { class: 'throughput', testid: 'throughput' },
        h('strong', { text: throughput < 10 ? throughput.toFixed(2) : throughput.toFixed(0) }),
        ' tx/min',
      ),
    ),
    h(
      'p',
      { class: 'legend' },
      h('span', { class: 'legend-swatch chart-confirmed-swatch' }),
      `Confirmed ${confirmed}`,
      h('span', { class: 'legend-swatch chart-cancelled-swatch' }),
      `Cancelled ${cancelled}`,
      h('span', { class: 'muted', text: ` · per ${bucketMinutes} min` }),
    ),
    outcomesChart(buckets, bucketMinutes),
  );

  const rows = stats.participants.map((p) => {
    const health = participantHealth(p);
    return h(
      'tr',
      { testid: 'participant-row', class: health === 'unhealthy' ? 'row-alert' : undefined },
      h('td', {}, h('strong', { text: p.name })),
      h('td', {}, h('code', { class: 'nowrap', text: p.baseUrl })),
      h('td', { text: p.actions.join(', ') }),
      h(
        'td',
        {},
        h('span', {
          class: `badge ${HEALTH_TONE[health]}`,
          testid: 'participant-health',
          'data-health': health,
          text: HEALTH_LABEL[health],
        }),
      ),
      h('td', {}, timeCell(p.lastSuccessAt)),
      h(
        'td',
        {},
        timeCell(p.lastErrorAt),
        p.lastError ? h('div', { class: 'error-text small', text: p.lastError }) : null,
      ),
    );
  });
  const participants = h(
    'section',
    { class: 'panel', 'aria-labelledby': 'participants-title' },
    h('h2', { id: 'participants-title', text: 'Participants' }),
    rows.length === 0
      ? h('p', { class: 'muted', text: 'No participant has registered yet.' })
      : table(['Name', 'Base URL', 'Actions', 'Health', 'Last success', 'Last error'], rows, {
          testid: 'participants-table',
        }),
  );

  return [h('div', { class: 'overview-top' }, stuck, cards), chart, participants];
}

/**
 * @param {HTMLElement} root
 * @returns {() => void} cleanup
 */
export function mountOverview(root) {
  const controller = new AbortController();
  const content = h('div', { class: 'overview', 'aria-live': 'off' });
  const updated = h('span', { class: 'muted small', testid: 'updated-at' });
  const error = h('p', {
    class: 'banner banner-error',
    role: 'alert',
    testid: 'error-banner',
    hidden: true,
  });

  const load = async () => {
    try {
      /** @type {Stats} */
      const stats = await api('GET', '/v1/admin/stats', { signal: controller.signal });
      content.replaceChildren(...renderStats(stats));
      updated.textContent = `Updated ${new Date().toLocaleTimeString()}`;
      error.hidden = true;
    } catch (e) {
      if (isQuietError(e)) return;
      error.textContent = `Could not load the overview: ${describeError(e)}`;
      error.hidden = false;
    }
  };
  const refresh = autoRefresh(load, REFRESH_MS);
  root.replaceChildren(
    h(
      'div',
      { class: 'page-head' },
      h('h1', { text: 'Overview' }),
      h('div', { class: 'page-tools' }, updated, refresh.element),
    ),
    error,
    content,
  );
  void load();
  return () => {
    refresh.stop();
    controller.abort();
  };
}
