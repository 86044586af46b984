import { type StatusResponse, api } from '../api';
import { encode } from '../format/b64u';
import { DamagedLinkError, parseLocation } from '../format/link';
import { confirmButton, h, notice, plural, show, time } from '../ui';
import { damagedLink, describeProblem } from './problems';

const TITLE = 'Secret status';

const stateText: Record<string, string> = {
  uploading: 'Still uploading: it cannot be opened yet.',
  unread: 'Not opened yet.',
  'partly-read': 'Opened, with views left.',
  opened: 'Opened: every view was used, the content is deleted.',
  expired: 'Expired: the content is deleted.',
  destroyed: 'Destroyed: the content is deleted.',
  burned: 'Destroyed after too many wrong passphrases.',
};

/** `/m/{id}#token`: status and early destruction for the creator. */
export async function managePage(): Promise<void> {
  let id: string;
  let token: string;
  try {
    const link = parseLocation(window.location.pathname, window.location.hash, 'm');
    id = link.id;
    token = encode(link.secret);
  } catch (e) {
    if (e instanceof DamagedLinkError) {
      show(h('h1', { text: TITLE }), damagedLink(e.reason));
      return;
    }
    throw e;
  }
  await load(id, token);
}

async function load(id: string, token: string, message?: HTMLElement): Promise<void> {
  let status: StatusResponse;
  try {
    status = await api.status(id, token);
  } catch (e) {
    show(h('h1', { text: TITLE }), describeProblem(e, 'manage'));
    return;
  }
  render(id, token, status, message);
}

function row(label: string, ...value: (Node | string)[]): HTMLElement[] {
  return [h('dt', { text: label }), h('dd', {}, ...value)];
}

function render(id: string, token: string, s: StatusResponse, message?: HTMLElement): void {
  const live = s.state === 'uploading' || s.state === 'unread' || s.state === 'partly-read';
  const list = h(
    'dl',
    { class: 'status-list' },
    ...row('State', h('strong', { class: `state state-${s.state}`, text: stateText[s.state] ?? s.state })),
    ...row('Created', time(s.createdAt)),
    ...row(live ? 'Expires' : 'Expiry was', time(s.expiresAt)),
    ...row('Views', `${s.maxViews - s.viewsLeft} of ${s.maxViews} used`),
    ...(s.openedAt.length > 0 ? row('Opened', ...s.openedAt.flatMap((t, i) => (i > 0 ? [', ', time(t)] : [time(t)]))) : []),
    ...row('Failed attempts', String(s.failedAttempts)),
    ...(s.passphraseAttemptsLeft !== null ? row('Passphrase attempts left', String(s.passphraseAttemptsLeft)) : []),
    ...(s.destroyedAt ? row('Destroyed', time(s.destroyedAt)) : []),
  );
  const refresh = h('button', { type: 'button', class: 'button secondary', text: 'Refresh' });
  refresh.addEventListener('click', () => void load(id, token));
  const actions = h('div', { class: 'actions' }, refresh);

  if (live) {
    const destroy = confirmButton(
      'Destroy now',
      'Destroy the secret now? The link will stop working. This cannot be undone.',
      'Yes, destroy it',
      async () => {
        await api.destroy(id, token);
        await load(id, token, notice('success', 'The secret was destroyed.'));
      },
      (e) => describeProblem(e, 'manage'),
    );
    actions.append(destroy.button);
    show(h('h1', { text: TITLE }), ...(message ? [message] : []), h('section', { class: 'card' }, list), actions, destroy.box,
      h('p', { class: 'hint', text: `Keep this page's link to yourself. ${plural(s.viewsLeft, 'view', 'views')} left.` }));
  } else {
    show(h('h1', { text: TITLE }), ...(message ? [message] : []), h('section', { class: 'card' }, list), actions);
  }
}
