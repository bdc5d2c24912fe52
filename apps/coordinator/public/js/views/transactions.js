import { api, describeError, isQuietError } from '../api.js';
import { h, shortId, statusBadge, stuckBadge, table, timeCell } from '../dom.js';
import { autoRefresh, copyButton } from '../ui.js';

const STATUSES = ['TRYING', 'CONFIRMING', 'CONFIRMED', 'CANCELLING', 'CANCELLED'];
const PAGE_SIZE = 25;
const REFRESH_MS = 5000;

/**
 * The filters the list understands, read from the hash query.
 * @typedef {{ status: string, stuck: boolean, participant: string, from: string, to: string, q: string }} Filters
 */

/**
 * @param {URLSearchParams} params
 * @returns {Filters}
 */
export function readFilters(params) {
  const status = params.get('status') ?? '';
  const iso = (/** @type {string} */ key) => {
    const value = params.get(key) ?? '';
    return value !== '' && !Number.isNaN(Date.parse(value)) ? value : '';
  };
  return {
    status: STATUSES.includes(status) ? status : '',
    stuck: params.get('stuck') === 'true',
    participant: params.get('participant') ?? '',
    from: iso('from'),
    to: iso('to'),
    q: searchText(params.get('q') ?? ''),
  };
}

/**
 * The search as the API takes it: an id copied from the list keeps its
 * ellipsis ("169ba6fd…"), which is not part of the id.
 * @param {string} text
 * @returns {string}
 */
function searchText(text) {
  return text.trim().replace(/(…|\.\.\.)$/, '');
}

/**
 * The hash-query form of the filters: only what is set.
 * @param {Filters} filters
 * @returns {URLSearchParams}
 */
export function filterParams(filters) {
  const params = new URLSearchParams();
  if (filters.status) params.set('status', filters.status);
  if (filters.stuck) params.set('stuck', 'true');
  if (filters.participant) params.set('participant', filters.participant);
  if (filters.from) params.set('from', filters.from);
  if (filters.to) params.set('to', filters.to);
  if (filters.q) params.set('q', filters.q);
  return params;
}

/**
 * ISO time → the value of a `datetime-local` input, in local time.
 * @param {string} iso
 * @returns {string}
 */
function toLocalInput(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  const pad = (/** @type {number} */ n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/**
 * A `datetime-local` value (local time) → ISO, or '' when empty.
 * @param {string} value
 * @returns {string}
 */
function fromLocalInput(value) {
  if (!value) return '';
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? '' : new Date(ms).toISOString();
}

/**
 * @param {Filters} filters
 * @param {(filters: Filters) => void} apply
 * @param {AbortSignal} signal
 * @returns {HTMLElement}
 */
function filterForm(filters, apply, signal) {
  const status = h(
    'select',
    { id: 'f-status', name: 'status', testid: 'filter-status' },
    h('option', { value: '', text: 'Any status' }),
    STATUSES.map((s) => h('option', { value: s, text: s, selected: s === filters.status })),
  );
  const stuck = h('input', {
    id: 'f-stuck',
    type: 'checkbox',
    name: 'stuck',
    checked: filters.stuck,
    testid: 'filter-stuck',
  });
  const participants = h('datalist', { id: 'participant-names' });
  const participant = h('input', {
    id: 'f-participant',
    name: 'participant',
    list: 'participant-names',
    value: filters.participant,
    autocomplete: 'off',
    testid: 'filter-participant',
  });
  const from = h('input', {
    id: 'f-from',
    type: 'datetime-local',
    name: 'from',
    value: toLocalInput(filters.from),
    testid: 'filter-from',
  });
  const to = h('input', {
    id: 'f-to',
    type: 'datetime-local',
    name: 'to',
    value: toLocalInput(filters.to),
    testid: 'filter-to',
  });
  const q = h('input', {
    id: 'f-q',
    type: 'search',
    name: 'q',
    value: filters.q,
    placeholder: 'Start of a transaction id, or an idempotency key',
    autocomplete: 'off',
    spellcheck: 'false',
    testid: 'filter-search',
  });
  const value = (/** @type {HTMLElement} */ el) => /** @type {HTMLInputElement} */ (el).value;
  const current = () => ({
    status: value(status),
    stuck: /** @type {HTMLInputElement} */ (stuck).checked,
    participant: value(participant).trim(),
    from: fromLocalInput(value(from)),
    to: fromLocalInput(value(to)),
    q: searchText(value(q)),
  });
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Filter transactions' },
    h(
      'div',
      { class: 'field field-half' },
      h('label', { for: 'f-status', text: 'Status' }),
      status,
    ),
    h(
      'div',
      { class: 'field field-check' },
      stuck,
      h('label', { for: 'f-stuck', text: 'Stuck only' }),
    ),
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'f-participant', text: 'Participant' }),
      participant,
      participants,
    ),
    h('div', { class: 'field' }, h('label', { for: 'f-from', text: 'Created from' }), from),
    h('div', { class: 'field' }, h('label', { for: 'f-to', text: 'Created to' }), to),
    h('div', { class: 'field field-grow' }, h('label', { for: 'f-q', text: 'Search' }), q),
    h(
      'div',
      { class: 'field field-buttons' },
      h('button', {
        type: 'submit',
        class: 'button button-primary',
        testid: 'filter-apply',
        text: 'Apply',
      }),
      h('button', {
        type: 'button',
        class: 'button',
        testid: 'filter-clear',
        text: 'Clear',
        on: {
          click: () =>
            apply({ status: '', stuck: false, participant: '', from: '', to: '', q: '' }),
        },
      }),
    ),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    apply(current());
  });
  // Choices apply at once; typed filters wait for Enter or Apply.
  status.addEventListener('change', () => apply(current()));
  stuck.addEventListener('change', () => apply(current()));

  api('GET', '/v1/participants', { signal }).then(
    (/** @type {{ items: { name: string }[] }} */ body) =>
      participants.replaceChildren(...body.items.map((p) => h('option', { value: p.name }))),
    // The suggestions are a convenience: the filter works without them.
    () => {},
  );
  return form;
}

/**
 * @param {import('./detail.js').Transaction} tx
 * @returns {HTMLElement}
 */
function row(tx) {
  const names = [...new Set((tx.branches ?? []).map((b) => b.participant))];
  return h(
    'tr',
    { testid: 'tx-row', 'data-id': tx.id, class: tx.stuck ? 'row-alert' : undefined },
    h(
      'td',
      { class: 'cell-id' },
      h(
        'a',
        { href: `#/transactions/${encodeURIComponent(tx.id)}`, title: tx.id, testid: 'tx-link' },
        h('code', { text: shortId(tx.id) }),
      ),
      copyButton(tx.id, 'Copy transaction id'),
    ),
    h(
      'td',
      { class: 'cell-status' },
      statusBadge(tx.status, 'tx-row-status'),
      tx.stuck ? stuckBadge('tx-row-stuck') : null,
      tx.resolved ? h('span', { class: 'badge tone-outline', text: 'RESOLVED' }) : null,
    ),
    h('td', {}, timeCell(tx.createdAt)),
    h('td', { text: names.length > 0 ? names.join(', ') : '—' }),
    h('td', { class: 'num', text: tx.attempts }),
  );
}

/**
 * @param {HTMLElement} root
 * @param {URLSearchParams} params
 * @returns {() => void} cleanup
 */
export function mountTransactions(root, params) {
  const controller = new AbortController();
  const filters = readFilters(params);
  /** Cursors of the pages before this one; the last entry is the current page's. */
  const cursors = /** @type {(string | null)[]} */ ([null]);
  let nextCursor = /** @type {string | null} */ (null);
  let shown = '';

  const results = h('div', { class: 'results' });
  const error = h('p', {
    class: 'banner banner-error',
    role: 'alert',
    testid: 'error-banner',
    hidden: true,
  });
  const prev = h('button', {
    type: 'button',
    class: 'button',
    testid: 'page-prev',
    text: '← Previous',
  });
  const next = h('button', {
    type: 'button',
    class: 'button',
    testid: 'page-next',
    text: 'Next →',
  });
  const pageLabel = h('span', { class: 'muted', testid: 'page-number' });

  const load = async () => {
    const query = filterParams(filters);
    query.set('limit', String(PAGE_SIZE));
    const cursor = cursors[cursors.length - 1];
    if (cursor) query.set('cursor', cursor);
    try {
      /** @type {{ items: import('./detail.js').Transaction[], nextCursor: string | null }} */
      const page = await api('GET', `/v1/transactions?${query}`, { signal: controller.signal });
      error.hidden = true;
      nextCursor = page.nextCursor;
      prev.toggleAttribute('disabled', cursors.length <= 1);
      next.toggleAttribute('disabled', nextCursor === null);
      pageLabel.textContent = `Page ${cursors.length}`;
      // Rebuilding only on change keeps focus and selection steady under auto-refresh.
      const fingerprint = JSON.stringify(page.items);
      if (fingerprint === shown) {
        results
          .querySelectorAll('time')
          .forEach((t) => t.replaceWith(timeCell(t.getAttribute('datetime'))));
        return;
      }
      shown = fingerprint;
      results.replaceChildren(
        page.items.length === 0
          ? h('p', {
              class: 'empty',
              testid: 'tx-empty',
              text: 'No transactions match these filters.',
            })
          : table(
              ['Transaction', 'Status', 'Created', 'Participants', 'Attempts'],
              page.items.map(row),
              {
                testid: 'tx-table',
              },
            ),
      );
    } catch (e) {
      if (isQuietError(e)) return;
      error.textContent = `Could not load transactions: ${describeError(e)}`;
      error.hidden = false;
    }
  };

  prev.addEventListener('click', () => {
    if (cursors.length <= 1) return;
    cursors.pop();
    void load();
  });
  next.addEventListener('click', () => {
    if (nextCursor === null) return;
    cursors.push(nextCursor);
    void load();
  });

  const apply = (/** @type {Filters} */ chosen) => {
    const query = filterParams(chosen).toString();
    location.hash = `#/transactions${query ? `?${query}` : ''}`;
  };
  const refresh = autoRefresh(load, REFRESH_MS);
  root.replaceChildren(
    h(
      'div',
      { class: 'page-head' },
      h('h1', { text: filters.stuck ? 'Stuck transactions' : 'Transactions' }),
      h('div', { class: 'page-tools' }, refresh.element),
    ),
    filterForm(filters, apply, controller.signal),
    error,
    results,
    h('nav', { class: 'pager', 'aria-label': 'Pages' }, prev, pageLabel, next),
  );
  prev.setAttribute('disabled', '');
  next.setAttribute('disabled', '');
  void load();
  return () => {
    refresh.stop();
    controller.abort();
  };
}
