import { api, ApiError, describeError, isQuietError } from '../api.js';
import {
  absoluteTime,
  clockTime,
  h,
  idCode,
  offsetFrom,
  prettyJson,
  relativeTime,
  statusBadge,
  stuckBadge,
  table,
} from '../dom.js';
import { confirmAction, copyButton, toast } from '../ui.js';

/**
 * @typedef {{ id: string, participant: string, action: string, payload: unknown, status: string,
 *   attempts: number, lastError: string | null }} Branch
 * @typedef {{ at: string, type: string, branchId: string | null, detail: unknown }} TxEvent
 * @typedef {{ id: string, status: string, createdAt: string, updatedAt: string, deadline: string,
 *   reason: string | null, reasonCode: string | null, failedBranchId: string | null, stuck: boolean,
 *   resolved: boolean, attempts: number, branches: Branch[], events?: TxEvent[], olderEvents?: number }} Transaction
 */

/**
 * Which operator actions the transaction's state allows; the others are not shown.
 * Only a decided transaction can be resolved: a trying one is cancelled instead.
 * @param {Transaction} tx
 * @returns {{ retry: boolean, cancel: boolean, resolve: boolean }}
 */
export function allowedActions(tx) {
  const finished = isFinished(tx);
  const decided = tx.status === 'CONFIRMING' || tx.status === 'CANCELLING';
  return {
    retry: !finished && (decided || tx.stuck),
    cancel: !finished && tx.status === 'TRYING',
    resolve: !finished && decided,
  };
}

/**
 * Ended: confirmed, cancelled, or settled by hand; nothing about it changes any more.
 * @param {Transaction} tx
 * @returns {boolean}
 */
function isFinished(tx) {
  return tx.status === 'CONFIRMED' || tx.status === 'CANCELLED' || tx.resolved;
}

/**
 * When it ended, or, while a decision can still be taken, its deadline. Once
 * decided the deadline no longer applies, so it is shown without a countdown.
 * @param {Transaction} tx
 * @returns {HTMLElement[]}
 */
function timing(tx) {
  if (isFinished(tx)) {
    return fact(tx.resolved ? 'Resolved' : 'Finished', whenFull(tx.updatedAt), 'detail-finished');
  }
  if (tx.status === 'TRYING') return fact('Deadline', whenFull(tx.deadline), 'detail-deadline');
  return fact(
    'Try deadline',
    h('time', { datetime: tx.deadline, text: absoluteTime(tx.deadline) }),
    'detail-deadline',
  );
}

/**
 * A text with the transaction's branch ids in their short form, so a reason
 * names a branch the way its table and the timeline do.
 * @param {string} text
 * @param {Branch[]} branches
 * @returns {import('../dom.js').Child[]}
 */
function withShortIds(text, branches) {
  /** @type {import('../dom.js').Child[]} */
  let parts = [text];
  for (const { id } of branches) {
    parts = parts.flatMap((part) =>
      typeof part === 'string'
        ? part.split(id).flatMap((piece, i) => (i === 0 ? [piece] : [idCode(id), piece]))
        : [part],
    );
  }
  return parts;
}

/**
 * @param {string} label
 * @param {import('../dom.js').Child} value
 * @param {string} [testid]
 * @returns {HTMLElement[]}
 */
function fact(label, value, testid) {
  return [h('dt', { text: label }), h('dd', { testid }, value)];
}

/**
 * @param {string | null} iso
 * @returns {HTMLElement}
 */
function whenFull(iso) {
  if (!iso) return h('span', { class: 'muted', text: '—' });
  return h(
    'span',
    {},
    h('time', { datetime: iso, text: absoluteTime(iso) }),
    h('span', { class: 'muted', text: ` · ${relativeTime(iso)}` }),
  );
}

/**
 * @param {Transaction} tx
 * @returns {HTMLElement}
 */
function branchesSection(tx) {
  const rows = tx.branches.map((b) =>
    h(
      'tr',
      {
        testid: 'branch-row',
        'data-id': b.id,
        class: b.id === tx.failedBranchId ? 'row-alert' : undefined,
      },
      h('td', { class: 'cell-id' }, idCode(b.id), copyButton(b.id, 'Copy branch id')),
      h('td', { text: b.participant }),
      h('td', { text: b.action }),
      h('td', {}, h('pre', { class: 'json', text: prettyJson(b.payload) })),
      h('td', {}, statusBadge(b.status, 'branch-status')),
      h('td', { class: 'num', text: b.attempts }),
      h(
        'td',
        {},
        b.lastError
          ? h('span', { class: 'error-text', testid: 'branch-error', text: b.lastError })
          : h('span', { class: 'muted', text: '—' }),
      ),
    ),
  );
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'branches-title' },
    h('h2', { id: 'branches-title', text: `Branches (${tx.branches.length})` }),
    rows.length === 0
      ? h('p', { class: 'muted', text: 'No branches.' })
      : table(
          ['Branch', 'Participant', 'Action', 'Payload', 'Status', 'Attempts', 'Last error'],
          rows,
          {
            testid: 'branches-table',
          },
        ),
  );
}

/**
 * @param {Transaction} tx
 * @returns {HTMLElement}
 */
function eventsSection(tx) {
  const events = tx.events ?? [];
  const items = events.map((e) =>
    h(
      'li',
      { class: 'event', testid: 'event-row' },
      h(
        'div',
        { class: 'event-head' },
        // Milliseconds and the offset from the start: a transaction's events are often within one second.
        h('time', {
          class: 'event-time',
          datetime: e.at,
          title: `${absoluteTime(e.at)} (${e.at})`,
          testid: 'event-time',
          text: clockTime(e.at),
        }),
        h('span', {
          class: 'event-offset muted',
          testid: 'event-offset',
          text: offsetFrom(e.at, tx.createdAt),
        }),
        h('strong', { class: 'event-type', text: e.type }),
        e.branchId
          ? h('span', { class: 'muted' }, 'branch ', idCode(e.branchId, { testid: 'event-branch' }))
          : null,
      ),
      e.detail === null || e.detail === undefined
        ? null
        : h(
            'details',
            {},
            h('summary', { text: 'Detail' }),
            h('pre', { class: 'json', text: prettyJson(e.detail) }),
          ),
    ),
  );
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'events-title' },
    h('h2', { id: 'events-title', text: 'Events' }),
    tx.olderEvents
      ? h('p', { class: 'muted', text: `${tx.olderEvents} older events are not shown.` })
      : null,
    items.length === 0
      ? h('p', { class: 'muted', text: 'No events.' })
      : h('ol', { class: 'timeline' }, items),
  );
}

/**
 * @param {HTMLElement} root
 * @param {string} id
 * @param {string} backHref the list the person came from, filters included
 * @returns {() => void} cleanup
 */
export function mountDetail(root, id, backHref) {
  const controller = new AbortController();
  const path = `/v1/transactions/${encodeURIComponent(id)}`;
  const adminPath = `/v1/admin/transactions/${encodeURIComponent(id)}`;
  // One action at a time: a second click while the first is in flight is ignored.
  let busy = false;

  /**
   * @param {'retry' | 'cancel' | 'resolve'} action
   * @param {Transaction} tx
   */
  const run = async (action, tx) => {
    const ask = {
      retry: {
        title: 'Retry phase 2 now?',
        message: `The coordinator sends ${tx.status === 'CANCELLING' ? 'cancel' : 'confirm'} to every unfinished branch right away instead of waiting for the next retry.`,
        confirmLabel: 'Retry now',
      },
      cancel: {
        title: 'Cancel this transaction?',
        message:
          'Every tried branch is cancelled and its reservation or hold released. This cannot be undone.',
        confirmLabel: 'Cancel transaction',
        danger: true,
      },
      resolve: {
        title: 'Resolve by hand?',
        message:
          'The transaction ends: no participant is called for it again. Only do this after settling every branch by hand.',
        confirmLabel: 'Resolve',
        danger: true,
        needsNote: true,
      },
    }[action];
    if (busy) return;
    const note = await confirmAction(ask);
    if (note === null) return;
    busy = true;
    try {
      await api('POST', `${adminPath}/${action}`, {
        body: action === 'resolve' ? { note } : undefined,
        signal: controller.signal,
      });
      toast(
        {
          retry: 'Phase 2 retried.',
          cancel: 'Transaction cancelled.',
          resolve: 'Transaction resolved.',
        }[action],
        'success',
      );
    } catch (e) {
      if (isQuietError(e)) return;
      toast(
        `${{ retry: 'Retry', cancel: 'Cancel', resolve: 'Resolve' }[action]} failed: ${describeError(e)}`,
        'error',
      );
    } finally {
      busy = false;
    }
    await load();
  };

  /**
   * @param {Transaction} tx
   * @returns {(HTMLElement | null)[]}
   */
  const render = (tx) => {
    const allowed = allowedActions(tx);
    const button = (
      /** @type {'retry' | 'cancel' | 'resolve'} */ action,
      /** @type {string} */ label,
      /** @type {string} */ kind,
    ) =>
      h('button', {
        type: 'button',
        class: `button ${kind}`,
        testid: `action-${action}`,
        text: label,
        on: { click: () => void run(action, tx) },
      });
    const actions = [
      allowed.retry ? button('retry', 'Retry phase 2 now', tx.stuck ? 'button-primary' : '') : null,
      allowed.cancel ? button('cancel', 'Cancel', 'button-danger') : null,
      allowed.resolve ? button('resolve', 'Resolve…', tx.stuck ? 'button-danger' : '') : null,
    ];
    return [
      h(
        'div',
        { class: 'page-head' },
        h(
          'div',
          { class: 'detail-title' },
          h(
            'h1',
            {},
            'Transaction ',
            h('code', { class: 'wrap', testid: 'detail-id', text: tx.id }),
          ),
          copyButton(tx.id, 'Copy transaction id'),
        ),
        h(
          'div',
          { class: 'page-tools' },
          h('button', {
            type: 'button',
            class: 'button button-small',
            testid: 'detail-refresh',
            text: 'Refresh',
            on: { click: () => void load() },
          }),
        ),
      ),
      h(
        'div',
        { class: 'detail-status' },
        statusBadge(tx.status, 'detail-status'),
        tx.stuck ? stuckBadge('detail-stuck') : null,
        tx.resolved
          ? h('span', { class: 'badge tone-outline', testid: 'detail-resolved', text: 'RESOLVED' })
          : null,
      ),
      tx.stuck
        ? h('p', {
            class: 'banner banner-error',
            role: 'status',
            text: 'Phase 2 keeps failing for a branch of this transaction. Retry it once the participant is back, or settle it by hand and resolve it.',
          })
        : null,
      actions.some(Boolean)
        ? h('div', { class: 'actions', role: 'group', 'aria-label': 'Actions' }, actions)
        : null,
      h(
        'section',
        { class: 'panel' },
        h(
          'dl',
          { class: 'facts' },
          timing(tx),
          fact('Created', whenFull(tx.createdAt)),
          isFinished(tx) ? [] : fact('Updated', whenFull(tx.updatedAt)),
          fact('Attempts', String(tx.attempts), 'detail-attempts'),
          fact('Stuck', tx.stuck ? 'Yes' : 'No'),
          fact('Resolved', tx.resolved ? 'Yes' : 'No'),
          tx.reason
            ? fact(
                'Reason',
                h('span', { class: 'error-text' }, withShortIds(tx.reason, tx.branches)),
                'detail-reason',
              )
            : [],
          tx.reasonCode
            ? fact('Reason code', h('code', { text: tx.reasonCode }), 'detail-reason-code')
            : [],
          tx.failedBranchId
            ? fact(
                'Failed branch',
                [idCode(tx.failedBranchId), copyButton(tx.failedBranchId, 'Copy branch id')],
                'detail-failed-branch',
              )
            : [],
        ),
      ),
      branchesSection(tx),
      eventsSection(tx),
    ];
  };

  const back = h('a', {
    class: 'back',
    href: backHref,
    testid: 'detail-back',
    text: '← Transactions',
  });
  const content = h('div', { class: 'detail' }, h('p', { class: 'loading', text: 'Loading…' }));
  const load = async () => {
    try {
      /** @type {Transaction} */
      const tx = await api('GET', path, { signal: controller.signal });
      content.replaceChildren(...render(tx).filter((node) => node !== null));
    } catch (e) {
      if (isQuietError(e)) return;
      const message =
        e instanceof ApiError && e.status === 404
          ? 'No transaction has this id.'
          : `Could not load the transaction: ${describeError(e)}`;
      content.replaceChildren(
        h('p', {
          class: 'banner banner-error',
          role: 'alert',
          testid: 'error-banner',
          text: message,
        }),
      );
    }
  };
  root.replaceChildren(back, content);
  void load();
  return () => controller.abort();
}
