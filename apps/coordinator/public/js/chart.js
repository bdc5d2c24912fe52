// The last hour's outcomes as grouped bars, built as SVG nodes: geometry in
// attributes and colours in CSS classes, so the strict CSP needs no exception.

import { h, s } from './dom.js';

const HEIGHT = 220;
const MARGIN = { top: 12, right: 8, bottom: 26, left: 34 };

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

/**
 * @typedef {{ at: string, confirmed: number, cancelled: number }} Bucket
 */

/**
 * The chart across the whole width of its box: drawn in the box's own pixels
 * whenever that width changes, so labels keep their size where a scaled
 * drawing would leave bands empty on a wide card or shrink text on a phone.
 * @param {Bucket[]} buckets
 * @param {number} bucketMinutes
 * @returns {HTMLElement}
 */
export function outcomesChart(buckets, bucketMinutes) {
  const box = h('div', { class: 'chart-box', testid: 'outcomes-chart-box' });
  let drawnWidth = 0;
  const draw = (/** @type {number} */ width) => {
    drawnWidth = width;
    lastWidth = width;
    box.replaceChildren(drawChart(buckets, bucketMinutes, width));
  };
  // Each refresh builds a new box: it starts at the width the last one had, so the
  // chart never leaves the page between a refresh and the box's first measurement.
  if (lastWidth > 0) draw(lastWidth);
  const observer = new ResizeObserver(() => {
    // A box taken out of the page reports a zero size one last time.
    if (!box.isConnected) {
      observer.disconnect();
      return;
    }
    const width = Math.floor(box.clientWidth);
    if (width > 0 && width !== drawnWidth) draw(width);
  });
  observer.observe(box);
  return box;
}

/** Width of the chart drawn last, in CSS pixels; 0 before the first. */
let lastWidth = 0;

/**
 * Grouped bar chart: confirmed and cancelled per bucket, oldest left.
 * @param {Bucket[]} buckets
 * @param {number} bucketMinutes
 * @param {number} width in CSS pixels
 * @returns {SVGElement}
 */
function drawChart(buckets, bucketMinutes, width) {
  const plotWidth = width - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const peak = Math.max(1, ...buckets.map((b) => Math.max(b.confirmed, b.cancelled)));
  const slot = plotWidth / Math.max(1, buckets.length);
  const bar = Math.max(2, Math.min(28, (slot - 8) / 2));
  const y = (/** @type {number} */ value) => MARGIN.top + plotHeight - (value / peak) * plotHeight;
  const confirmed = buckets.reduce((sum, b) => sum + b.confirmed, 0);
  const cancelled = buckets.reduce((sum, b) => sum + b.cancelled, 0);

  const svg = s('svg', {
    class: 'chart',
    viewBox: `0 0 ${width} ${HEIGHT}`,
    width,
    height: HEIGHT,
    role: 'img',
    'aria-label': `Last hour in ${bucketMinutes}-minute buckets: ${confirmed} confirmed, ${cancelled} cancelled`,
    testid: 'outcomes-chart',
  });

  for (const value of [0, peak / 2, peak]) {
    const lineY = y(value);
    svg.append(
      s('line', {
        class: 'chart-grid',
        x1: MARGIN.left,
        x2: width - MARGIN.right,
        y1: lineY,
        y2: lineY,
      }),
      s('text', {
        class: 'chart-label',
        x: MARGIN.left - 6,
        y: lineY + 4,
        'text-anchor': 'end',
        text: Number.isInteger(value) ? String(value) : value.toFixed(1),
      }),
    );
  }

  buckets.forEach((bucket, i) => {
    const x = MARGIN.left + i * slot + (slot - 2 * bar - 2) / 2;
    const when = Number.isNaN(Date.parse(bucket.at))
      ? bucket.at
      : timeFormat.format(Date.parse(bucket.at));
    for (const [kind, value, offset] of /** @type {const} */ ([
      ['confirmed', bucket.confirmed, 0],
      ['cancelled', bucket.cancelled, bar + 2],
    ])) {
      const top = y(value);
      svg.append(
        s(
          'rect',
          {
            class: `chart-bar chart-${kind}`,
            x: x + offset,
            y: top,
            width: bar,
            // A zero still shows as a hairline so an empty bucket reads as "none", not "missing".
            height: Math.max(1, MARGIN.top + plotHeight - top),
          },
          s('title', { text: `${when}: ${value} ${kind}` }),
        ),
      );
    }
    if (i % 3 === 0 || i === buckets.length - 1) {
      svg.append(
        s('text', {
          class: 'chart-label',
          x: MARGIN.left + i * slot + slot / 2,
          y: HEIGHT - 8,
          'text-anchor': 'middle',
          text: when,
        }),
      );
    }
  });
  return svg;
}
