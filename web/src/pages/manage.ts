import { type RecipientStatus, type StatusResponse, api } from '../api';
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

const isLive = (state: string): boolean => state === 'uploading' || state === 'unread' || state === 'partly-read';

/** One recipient's line, e.g. "alice: opened 14:02", with a button that destroys only that link while it is live. */
function recipientItem(id: string, token: string, r: RecipientStatus, index: number): HTMLElement {
  const name = r.label ?? `Recipient ${index + 1}`;
  const when = r.state === 'destroyed' && r.destroyedAt ? [' ', time(r.destroyedAt)]
    : r.openedAt.length > 0 ? [' ', ...r.openedAt.flatMap((t, i) => (i > 0 ? [', ', time(t)] : [time(t)]))]
    : [];
  const extra = r.failedAttempts > 0 ? `; ${plural(r.failedAttempts, 'failed attempt', 'failed attempts')}` : '';
  const item = h('li', { class: 'recipient' },
    h('span', { class: 'recipient-name', text: `${name}: ` }),
    h('span', { class: `state state-${r.state}` }, r.state, ...when),
    extra);
  if (isLive(r.state)) {
    const destroy = confirmButton(
      'Destroy link',
      `Destroy the link of ${name}? The other links keep working. This cannot be undone.`,
      `Yes, destroy ${name}'s link`,
      async () => {
        await api.destroy(r.id, token);
        await load(id, token, notice('success', `The link of ${name} was destroyed.`));
      },
      (e) => describeProblem(e, 'manage'),
    );
    destroy.button.setAttribute('aria-label', `Destroy link of ${name}`);
    item.append(' ', destroy.button, destroy.box);
  }
  return item;
}

function render(id: string, token: string, s: StatusResponse, message?: HTMLElement): void {
  if (s.recipients) {
    renderRecipients(id, token, s, s.recipients, message);
    return;
  }
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

/** A secret with several recipients: when it lives, and each recipient's link with its state. */
function renderRecipients(id: string, token: string, s: StatusResponse, recipients: RecipientStatus[], message?: HTMLElement): void {
  const anyLive = recipients.some((r) => isLive(r.state));
  const list = h(
    'dl',
    { class: 'status-list' },
    ...row('Recipients', String(recipients.length)),
    ...row('Created', time(s.createdAt)),
    ...row(anyLive ? 'Expires' : 'Expiry was', time(s.expiresAt)),
    ...row('Views per link', String(s.maxViews)),
  );
  const refresh = h('button', { type: 'button', class: 'button secondary', text: 'Refresh' });
  refresh.addEventListener('click', () => void load(id, token));
  const actions = h('div', { class: 'actions' }, refresh);
  const parts: Node[] = [];
  if (anyLive) {
    const destroyAll = confirmButton(
      'Destroy all links',
      'Destroy every recipient\'s link now? None of them will work any more. This cannot be undone.',
      'Yes, destroy them all',
      async () => {
        await api.destroyAll(id, token);
        await load(id, token, notice('success', 'Every link was destroyed.'));
      },
      (e) => describeProblem(e, 'manage'),
    );
    actions.append(destroyAll.button);
    parts.push(destroyAll.box);
  }
  show(
    h('h1', { text: TITLE }),
    ...(message ? [message] : []),
    h('section', { class: 'card' }, list,
      h('h2', { id: 'recipients-title', text: 'Recipients' }),
      h('ul', { class: 'recipient-list', 'aria-labelledby': 'recipients-title' }, ...recipients.map((r, i) => recipientItem(id, token, r, i)))),
    actions,
    ...parts,
    h('p', { class: 'hint', text: 'Keep this page\'s link to yourself: it manages every recipient\'s link.' }),
  );
}
