// DOM building without innerHTML: every piece of data reaches the page through
// textContent or setAttribute, because ids, payloads and errors are hostile input.

const SVG_NS = 'http://www.w3.org/2000/svg';

/**
 * Anything `h` accepts as a child; arrays (of children) are flattened.
 * @typedef {Node | string | number | null | undefined | false | unknown[]} Child
 */

/**
 * @param {Element} element
 * @param {Record<string, unknown>} props
 */
function applyProps(element, props) {
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'text') element.textContent = String(value);
    else if (key === 'testid') element.setAttribute('data-testid', String(value));
    else if (key === 'on') {
      for (const [type, listener] of Object.entries(
        /** @type {Record<string, EventListener>} */ (value),
      )) {
        element.addEventListener(type, listener);
      }
    } else if (value === true) element.setAttribute(key, '');
    else element.setAttribute(key, String(value));
  }
}

/**
 * @param {Element} element
 * @param {Child[]} children
 */
function appendChildren(element, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) appendChildren(element, /** @type {Child[]} */ (child));
    else if (child instanceof Node) element.append(child);
    else element.append(document.createTextNode(String(child)));
  }
}

/**
 * Creates an HTML element. Props: `text`, `testid`, `on: {event: handler}`, and attributes.
 * @param {string} tag
 * @param {Record<string, unknown>} [props]
 * @param {...Child} children
 * @returns {HTMLElement}
 */
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  applyProps(element, props);
  appendChildren(element, children);
  return element;
}

/**
 * Creates an SVG element; geometry goes through attributes, never style strings (CSP).
 * @param {string} tag
 * @param {Record<string, unknown>} [props]
 * @param {...Child} children
 * @returns {SVGElement}
 */
export function s(tag, props = {}, ...children) {
  const element = /** @type {SVGElement} */ (document.createElementNS(SVG_NS, tag));
  applyProps(element, props);
  appendChildren(element, children);
  return element;
}

const STATUS_CLASS = {
  TRYING: 'tone-blue',
  PENDING: 'tone-blue',
  TRIED: 'tone-blue',
  CONFIRMING: 'tone-amber',
  CANCELLING: 'tone-amber',
  CONFIRMED: 'tone-green',
  CANCELLED: 'tone-grey',
  TRY_FAILED: 'tone-red',
};

/**
 * A coloured status badge (transaction or branch status).
 * @param {string} status
 * @param {string} [testid]
 * @returns {HTMLElement}
 */
export function statusBadge(status, testid) {
  const tone = STATUS_CLASS[/** @type {keyof typeof STATUS_CLASS} */ (status)] ?? 'tone-grey';
  return h('span', { class: `badge ${tone}`, testid, 'data-status': status, text: status });
}

/**
 * The red badge of a transaction that needs a person.
 * @param {string} [testid]
 * @returns {HTMLElement}
 */
export function stuckBadge(testid) {
  return h('span', { class: 'badge tone-red', testid, text: 'STUCK' });
}

/**
 * The first 8 characters of an id, the form every view shows (the list's search finds it).
 * @param {string} id
 * @returns {string}
 */
export function shortId(id) {
  return id.length > 8 ? `${id.slice(0, 8)}…` : id;
}

/**
 * An id in its short form, with the whole id on hover and in `data-id`, so a
 * branch reads the same in the branch table, the timeline and the reason.
 * @param {string} id
 * @param {Record<string, unknown>} [props]
 * @returns {HTMLElement}
 */
export function idCode(id, props = {}) {
  return h('code', { title: id, 'data-id': id, ...props, text: shortId(id) });
}

const relativeFormat = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto', style: 'short' });
const absoluteFormat = new Intl.DateTimeFormat(undefined, {
  dateStyle: 'medium',
  timeStyle: 'medium',
});

/**
 * "5 min ago" / "in 3 sec", relative to `now`.
 * @param {string} iso
 * @param {number} [now]
 * @returns {string}
 */
export function relativeTime(iso, now = Date.now()) {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return '—';
  const seconds = Math.round((ms - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 5) return 'just now';
  if (abs < 60) return relativeFormat.format(seconds, 'second');
  if (abs < 3600) return relativeFormat.format(Math.round(seconds / 60), 'minute');
  if (abs < 86400) return relativeFormat.format(Math.round(seconds / 3600), 'hour');
  return relativeFormat.format(Math.round(seconds / 86400), 'day');
}

const clockFormat = new Intl.DateTimeFormat(undefined, {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  fractionalSecondDigits: 3,
});

/**
 * Local time of day to the millisecond: the events of one transaction are often within a second.
 * @param {string} iso
 * @returns {string}
 */
export function clockTime(iso) {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? '—' : clockFormat.format(ms);
}

/**
 * How long after `startIso` an event came: "+0 ms", "+12 ms", "+1.204 s", "+2 min 5 s".
 * @param {string} iso
 * @param {string} startIso
 * @returns {string}
 */
export function offsetFrom(iso, startIso) {
  const delta = Date.parse(iso) - Date.parse(startIso);
  if (Number.isNaN(delta)) return '';
  const sign = delta < 0 ? '−' : '+';
  const ms = Math.abs(delta);
  if (ms < 1000) return `${sign}${ms} ms`;
  if (ms < 60_000) return `${sign}${(ms / 1000).toFixed(3)} s`;
  return `${sign}${Math.floor(ms / 60_000)} min ${Math.floor((ms % 60_000) / 1000)} s`;
}

/**
 * Local date and time for a person.
 * @param {string} iso
 * @returns {string}
 */
export function absoluteTime(iso) {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? '—' : absoluteFormat.format(ms);
}

/**
 * A `<time>` showing the relative time, with the exact time on hover.
 * @param {string | null | undefined} iso
 * @param {{ relative?: boolean }} [options]
 * @returns {HTMLElement}
 */
export function timeCell(iso, { relative = true } = {}) {
  if (!iso) return h('span', { class: 'muted', text: '—' });
  return h('time', {
    datetime: iso,
    title: `${absoluteTime(iso)} (${iso})`,
    text: relative ? relativeTime(iso) : absoluteTime(iso),
  });
}

/**
 * Pretty JSON for payloads and event details.
 * @param {unknown} value
 * @returns {string}
 */
export function prettyJson(value) {
  return JSON.stringify(value, null, 2) ?? 'null';
}

/**
 * A table inside a container that scrolls sideways on narrow screens.
 * @param {string[]} headers
 * @param {HTMLElement[]} rows
 * @param {Record<string, unknown>} [props] props of the `<table>`
 * @returns {HTMLElement}
 */
export function table(headers, rows, props = {}) {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'table', ...props },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          headers.map((label) => h('th', { scope: 'col', text: label })),
        ),
      ),
      h('tbody', {}, rows),
    ),
  );
}
