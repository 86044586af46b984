// Parley's browser app: one HTML page, routed on the path. Every page is built with DOM calls
// (no HTML strings), so the strict CSP (no inline script or style) holds. Each page is its own
// chunk, loaded only on its route: a reader opening a link does not download the create form.
import './styles.css';
import { api } from './api';
import { describeProblem } from './pages/problems';
import { h, show } from './ui';

function notFound(): void {
  show(
    h('h1', { text: 'Page not found' }),
    h('p', {}, 'There is nothing at this address. ', h('a', { href: '/', text: 'Share a secret' }), ' or ', h('a', { href: '/request', text: 'request one' }), '.'),
  );
}

async function route(): Promise<void> {
  document.documentElement.classList.add('js');
  const path = window.location.pathname;
  // The forms need the server's settings: ask now, while their script is still on its way. (Pages
  // reached by a link check the link first and must ask nothing when it is damaged.)
  if (path === '/' || path === '/index.html' || path === '/request') void api.config().catch(() => undefined);
  if (path === '/' || path === '/index.html') return (await import('./pages/create')).createPage();
  if (path.startsWith('/s/')) return (await import('./pages/open')).openPage();
  if (path.startsWith('/m/')) return (await import('./pages/manage')).managePage();
  if (path === '/request') return (await import('./pages/request')).requestPage();
  if (path.startsWith('/r/')) {
    return path.endsWith('/answer') ? (await import('./pages/answer')).answerPage() : (await import('./pages/respond')).respondPage();
  }
  return notFound();
}

function run(): void {
  route().catch((e: unknown) => {
    show(h('h1', { text: 'Something went wrong' }), describeProblem(e, 'open'));
  });
}

// A corrected link pasted into the same tab changes only the fragment: start over with it.
window.addEventListener('hashchange', run);
run();
