import { checkToken, session } from '../api.js';
import { h } from '../dom.js';

/**
 * The sign-in form; calls `done` once the token is accepted and stored.
 * @param {HTMLElement} root
 * @param {{ notice: string, done: () => void }} options
 * @returns {() => void} cleanup
 */
export function mountSignIn(root, { notice, done }) {
  const input = h('input', {
    id: 'token',
    type: 'password',
    name: 'token',
    autocomplete: 'off',
    spellcheck: 'false',
    required: true,
    testid: 'signin-token',
    'aria-describedby': 'token-help',
  });
  const error = h('p', {
    class: 'field-error',
    role: 'alert',
    testid: 'signin-error',
    hidden: true,
  });
  const submit = h('button', {
    type: 'submit',
    class: 'button button-primary',
    testid: 'signin-submit',
    text: 'Sign in',
  });
  const form = h(
    'form',
    { class: 'signin-form', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: 'token', text: 'Admin token' }), input),
    h('p', {
      id: 'token-help',
      class: 'muted',
      text: 'The value of TCC_ADMIN_TOKEN. It is kept in this tab only and forgotten when the tab closes.',
    }),
    error,
    submit,
  );
  const showError = (/** @type {string} */ message) => {
    error.textContent = message;
    error.hidden = false;
    input.setAttribute('aria-invalid', 'true');
    /** @type {HTMLInputElement} */ (input).focus();
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const token = /** @type {HTMLInputElement} */ (input).value.trim();
    if (token === '') {
      showError('Enter the admin token.');
      return;
    }
    submit.setAttribute('disabled', '');
    submit.textContent = 'Checking…';
    const result = await checkToken(token);
    submit.removeAttribute('disabled');
    submit.textContent = 'Sign in';
    if (!result.ok) {
      showError(result.message);
      return;
    }
    session.signIn(token);
    done();
  });

  root.replaceChildren(
    h(
      'section',
      { class: 'signin card-panel', 'aria-labelledby': 'signin-title' },
      h('h1', { id: 'signin-title', text: 'Sign in' }),
      notice
        ? h('p', {
            class: 'banner banner-info',
            role: 'status',
            testid: 'signin-notice',
            text: notice,
          })
        : null,
      form,
    ),
  );
  /** @type {HTMLInputElement} */ (input).focus();
  return () => {};
}
