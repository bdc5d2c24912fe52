// Entry point of the admin UI: hash routing, the sign-in gate and the shell.
// The hash holds only filters and ids; the token stays in sessionStorage.

import { session, whenSessionEnds } from './js/api.js';
import { h } from './js/dom.js';
import { mountDetail } from './js/views/detail.js';
import { mountOverview } from './js/views/overview.js';
import { mountSignIn } from './js/views/signin.js';
import { mountTransactions } from './js/views/transactions.js';

/**
 * @typedef {{ name: 'overview' } | { name: 'transactions', params: URLSearchParams }
 *   | { name: 'detail', id: string } | { name: 'not-found' }} Route
 */

/**
 * @param {string} hash
 * @returns {Route}
 */
export function parseRoute(hash) {
  const raw = hash.replace(/^#/, '') || '/';
  const [path, query = ''] = raw.split(/\?(.*)/s, 2);
  if (path === '/' || path === '') return { name: 'overview' };
  if (path === '/transactions') return { name: 'transactions', params: new URLSearchParams(query) };
  const match = /^\/transactions\/(.+)$/.exec(path);
  if (match) {
    try {
      return { name: 'detail', id: decodeURIComponent(match[1]) };
    } catch {
      return { name: 'not-found' };
    }
  }
  return { name: 'not-found' };
}

const view = /** @type {HTMLElement} */ (document.getElementById('view'));
const nav = /** @type {HTMLElement} */ (document.getElementById('nav'));
const signOut = /** @type {HTMLButtonElement} */ (document.getElementById('sign-out'));

let cleanup = () => {};
let lastList = '#/transactions';
let lastRouteName = '';
let notice = '';

/** @param {Route} route */
function markNav(route) {
  const active =
    route.name === 'overview'
      ? 'overview'
      : route.name === 'transactions'
        ? route.params.get('stuck') === 'true' && [...route.params.keys()].length === 1
          ? 'stuck'
          : 'transactions'
        : route.name === 'detail'
          ? 'transactions'
          : '';
  for (const link of nav.querySelectorAll('a')) {
    if (link.dataset.route === active) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

function render() {
  cleanup();
  cleanup = () => {};
  const signedIn = session.token !== null;
  nav.hidden = !signedIn;
  signOut.hidden = !signedIn;
  if (!signedIn) {
    document.title = 'Sign in · TCC Coordinator';
    cleanup = mountSignIn(view, {
      notice,
      done: () => {
        notice = '';
        render();
      },
    });
    return;
  }
  const route = parseRoute(location.hash);
  lastRouteName = route.name;
  markNav(route);
  switch (route.name) {
    case 'overview':
      document.title = 'Overview · TCC Coordinator';
      cleanup = mountOverview(view);
      break;
    case 'transactions':
      document.title = 'Transactions · TCC Coordinator';
      lastList = location.hash;
      cleanup = mountTransactions(view, route.params);
      break;
    case 'detail':
      document.title = 'Transaction · TCC Coordinator';
      cleanup = mountDetail(view, route.id, lastList);
      break;
    case 'not-found':
      document.title = 'Not found · TCC Coordinator';
      view.replaceChildren(
        h('h1', { text: 'Not found' }),
        h(
          'p',
          {},
          'Nothing lives at this address. ',
          h('a', { href: '#/', text: 'Go to the overview' }),
        ),
      );
      break;
  }
}

whenSessionEnds((message) => {
  notice = message;
  render();
});

signOut.addEventListener('click', () => {
  session.signOut();
  notice = 'Signed out.';
  render();
});

window.addEventListener('hashchange', () => {
  const previous = lastRouteName;
  render();
  // A new page moves focus to its content; a filter change keeps focus on the filter.
  if (lastRouteName !== previous) view.focus({ preventScroll: true });
});

render();
