// Parley's browser app: one HTML page, routed on the path. Every page is built with DOM calls
// (no HTML strings), so the strict CSP (no inline script or style) holds.
import './styles.css';
import { answerPage } from './pages/answer';
import { createPage } from './pages/create';
import { managePage } from './pages/manage';
import { openPage } from './pages/open';
import { describeProblem } from './pages/problems';
import { requestPage } from './pages/request';
import { respondPage } from './pages/respond';
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
  if (path === '/' || path === '/index.html') return createPage();
  if (path.startsWith('/s/')) return openPage();
  if (path.startsWith('/m/')) return managePage();
  if (path === '/request') return requestPage();
  if (path.startsWith('/r/')) return path.endsWith('/answer') ? answerPage() : respondPage();
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
