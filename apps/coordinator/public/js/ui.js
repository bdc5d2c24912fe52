// Shared widgets: toasts, the confirmation dialog, copy buttons and the
// auto-refresh toggle.

import { h } from './dom.js';

const TOAST_MS = 6000;
// Failures stay longer: the person may need to read or copy the detail.
const ERROR_TOAST_MS = 20000;

/**
 * Shows a short message in the corner; errors stay longer.
 * @param {string} message
 * @param {'success' | 'error' | 'info'} [kind]
 */
export function toast(message, kind = 'info') {
  const region = /** @type {HTMLElement} */ (document.getElementById('toasts'));
  const close = h('button', {
    type: 'button',
    class: 'toast-close',
    'aria-label': 'Dismiss',
    text: '×',
  });
  const item = h(
    'div',
    { class: `toast toast-${kind}`, role: kind === 'error' ? 'alert' : 'status', testid: 'toast' },
    h('span', { class: 'toast-text', text: message }),
    close,
  );
  close.addEventListener('click', () => item.remove());
  region.append(item);
  setTimeout(() => item.remove(), kind === 'error' ? ERROR_TOAST_MS : TOAST_MS);
}

/**
 * @typedef {object} ConfirmOptions
 * @property {string} title
 * @property {string} message
 * @property {string} confirmLabel
 * @property {boolean} [danger] styles the confirm button as destructive
 * @property {boolean} [needsNote] asks for a required note
 */

/**
 * Opens the confirmation dialog; resolves with the note (or '') when
 * confirmed, with null when the person backs out.
 * @param {ConfirmOptions} options
 * @returns {Promise<string | null>}
 */
export function confirmAction({ title, message, confirmLabel, danger = false, needsNote = false }) {
  const dialog = /** @type {HTMLDialogElement} */ (document.getElementById('confirm-dialog'));
  const byId = (/** @type {string} */ id) =>
    /** @type {HTMLElement} */ (document.getElementById(id));
  const noteField = byId('dialog-note');
  const note = /** @type {HTMLTextAreaElement} */ (byId('dialog-note-input'));
  const noteError = byId('dialog-note-error');
  const confirm = /** @type {HTMLButtonElement} */ (byId('dialog-confirm'));
  const back = /** @type {HTMLButtonElement} */ (byId('dialog-cancel'));

  byId('dialog-title').textContent = title;
  byId('dialog-message').textContent = message;
  confirm.textContent = confirmLabel;
  confirm.classList.toggle('button-danger', danger);
  confirm.classList.toggle('button-primary', !danger);
  noteField.hidden = !needsNote;
  noteError.hidden = true;
  note.value = '';
  note.removeAttribute('aria-invalid');

  return new Promise((resolve) => {
    const onConfirm = () => {
      if (needsNote && note.value.trim() === '') {
        noteError.hidden = false;
        note.setAttribute('aria-invalid', 'true');
        note.focus();
        return;
      }
      finish(needsNote ? note.value.trim() : '');
    };
    const onBack = () => finish(null);
    // Escape closes the dialog natively; that is a "back".
    const onClose = () => finish(null);
    /** @param {string | null} result */
    const finish = (result) => {
      confirm.removeEventListener('click', onConfirm);
      back.removeEventListener('click', onBack);
      dialog.removeEventListener('close', onClose);
      if (dialog.open) dialog.close();
      resolve(result);
    };
    confirm.addEventListener('click', onConfirm);
    back.addEventListener('click', onBack);
    dialog.addEventListener('close', onClose);
    dialog.showModal();
    (needsNote ? note : back).focus();
  });
}

/**
 * A small button that copies a value to the clipboard.
 * @param {string} value
 * @param {string} label accessible name, e.g. "Copy transaction id"
 * @returns {HTMLElement}
 */
export function copyButton(value, label) {
  return h('button', {
    type: 'button',
    class: 'copy',
    title: label,
    'aria-label': label,
    testid: 'copy-id',
    text: 'Copy',
    on: {
      click: async () => {
        try {
          await navigator.clipboard.writeText(value);
          toast('Copied to the clipboard.', 'success');
        } catch {
          toast('Copying failed: select the id and copy it by hand.', 'error');
        }
      },
    },
  });
}

/** Survives view changes, so a paused list stays paused while filtering. */
let paused = false;

/**
 * Calls `load` every `intervalMs` while not paused and the tab is visible;
 * returns the toggle (with its visible state) and a stop function.
 * @param {() => Promise<void>} load
 * @param {number} intervalMs
 * @returns {{ element: HTMLElement, stop: () => void }}
 */
export function autoRefresh(load, intervalMs) {
  let busy = false;
  const state = h('span', { class: 'refresh-state', testid: 'refresh-state' });
  const button = h('button', {
    type: 'button',
    class: 'button button-small',
    testid: 'refresh-toggle',
  });
  const render = () => {
    state.textContent = paused ? 'Paused' : `Auto-refresh every ${intervalMs / 1000} s`;
    state.classList.toggle('is-paused', paused);
    button.textContent = paused ? 'Resume' : 'Pause';
    button.setAttribute('aria-pressed', String(paused));
  };
  button.addEventListener('click', () => {
    paused = !paused;
    render();
    if (!paused) void tick();
  });
  const tick = async () => {
    if (paused || busy || document.hidden) return;
    busy = true;
    try {
      await load();
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void tick(), intervalMs);
  render();
  return {
    element: h('div', { class: 'refresh' }, state, button),
    stop: () => clearInterval(timer),
  };
}
