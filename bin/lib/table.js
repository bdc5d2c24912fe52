// @ts-check
'use strict';

// C0 controls, DEL and C1 controls: an id or payload that carries an escape
// sequence must not be able to rewrite the operator's terminal.
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/g;

/**
 * Makes a value safe and single-line for a terminal: control characters are
 * shown as `\uXXXX` escapes instead of being interpreted.
 * @param {unknown} value
 * @returns {string}
 */
function clean(value) {
  const text = value === null || value === undefined ? '' : String(value);
  return text.replace(
    CONTROL_CHARACTERS,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * Shortens text to at most `max` characters, marking the cut with an ellipsis.
 * @param {string} text
 * @param {number | undefined} max
 * @returns {string}
 */
function truncate(text, max) {
  if (max === undefined || text.length <= max) return text;
  if (max <= 1) return '…'.slice(0, max);
  return `${text.slice(0, max - 1)}…`;
}

/**
 * @typedef {object} Column
 * @property {string} header
 * @property {'left' | 'right'} [align] numbers read best right-aligned
 * @property {number} [max] cells longer than this are truncated
 */

/**
 * Renders rows as an aligned plain-text table with a header line; the last
 * column is not padded so lines carry no trailing spaces.
 * @param {Column[]} columns
 * @param {unknown[][]} rows
 * @returns {string}
 */
function formatTable(columns, rows) {
  const cells = rows.map((row) => columns.map((column, i) => truncate(clean(row[i]), column.max)));
  const widths = columns.map((column, i) =>
    Math.max(column.header.length, ...cells.map((row) => row[i].length)),
  );
  /** @param {string[]} row */
  const line = (row) =>
    row
      .map((cell, i) => {
        const last = i === row.length - 1;
        if (columns[i].align === 'right') return cell.padStart(widths[i]);
        return last ? cell : cell.padEnd(widths[i]);
      })
      .join('  ')
      .trimEnd();
  return [line(columns.map((column) => column.header)), ...cells.map((row) => line(row))].join(
    '\n',
  );
}

/**
 * Renders label/value pairs with the values aligned after the longest label.
 * @param {[string, unknown][]} fields
 * @returns {string}
 */
function formatFields(fields) {
  const width = Math.max(0, ...fields.map(([label]) => label.length));
  return fields
    .map(([label, value]) => `${label.padEnd(width)}  ${clean(value)}`.trimEnd())
    .join('\n');
}

module.exports = { clean, truncate, formatTable, formatFields };
