// `/r/{id}/answer#{b64u(a)}`: the requester's private page (docs/request-format.md §3.3). Loading it
// only reads (status, where the answer is, a look at the answer's secret: GETs that change nothing);
// Reveal opens the answer, once, and decrypts it in this browser; Destroy withdraws the request.

import { type LookResponse, ProblemError, type RequestAnswerResponse, type RequestStatusResponse, api } from '../api';
import { encode } from '../format/b64u';
import { DamagedLinkError } from '../format/link';
import { type RequestLink, parseRequestLocation, publicKeyOf, requestToken, sendLink } from '../format/request';
import { type AnswerKey, answerKey } from '../format/seal';
import { FormatError } from '../format/secret';
import { prepareStreaming } from '../save';
import { confirmButton, h, notice, onSubmit, show, time } from '../ui';
import { linkBox } from './compose';
import { describeContents, revealSecret } from './open';
import { damagedLink, describeProblem } from './problems';

const TITLE = 'Your request';

const stateText: Record<string, string> = {
  waiting: 'Waiting for an answer.',
  uploading: 'Answered: the files are still being uploaded.',
  answered: 'Answered, not opened yet.',
  opened: 'Answered and opened: the answer is deleted from the server.',
  expired: 'Expired: it can no longer be answered or opened.',
  destroyed: 'Destroyed: it can no longer be answered, and an unopened answer was deleted.',
};

/** The answer, ready to open: where it is and the key that opens it. */
interface ReadyAnswer {
  answer: RequestAnswerResponse;
  key: AnswerKey;
  look: LookResponse;
}

export async function answerPage(): Promise<void> {
  let link: RequestLink;
  try {
    link = parseRequestLocation(window.location.pathname, window.location.hash, 'private');
  } catch (e) {
    if (e instanceof DamagedLinkError) {
      show(h('h1', { text: TITLE }), damagedLink(e.reason));
      return;
    }
    throw e;
  }
  const rt = await requestToken(link.key);
  const token = encode(rt);
  rt.fill(0);
  await load(link, token);
}

async function load(link: RequestLink, token: string, message?: HTMLElement): Promise<void> {
  let status: RequestStatusResponse;
  try {
    status = await api.requestStatus(link.id, token);
  } catch (e) {
    show(h('h1', { text: TITLE }), describeProblem(e, 'request'));
    return;
  }
  let ready: ReadyAnswer | null = null;
  let problem: HTMLElement | null = null;
  if (status.state === 'answered') {
    try {
      ready = await prepareAnswer(link, token);
      void prepareStreaming();
    } catch (e) {
      problem = describeProblem(e, 'request');
    }
  }
  await render(link, token, status, ready, problem ?? message ?? null);
}

/** Where the answer is, its link key from `a` and `E`, and a look at it: all reads. */
async function prepareAnswer(link: RequestLink, token: string): Promise<ReadyAnswer> {
  const answer = await api.requestAnswer(link.id, token);
  const key = await answerKey(link.key, answer.ephemeralKey);
  try {
    return { answer, key, look: await api.look(answer.secretId, key.accessKey) };
  } catch (e) {
    key.wipe();
    // The request knows this answer, so "not found" here means its key does not match: altered data.
    throw e instanceof ProblemError && e.slug === 'not-found' ? new FormatError('the answer does not match the key') : e;
  }
}

function row(label: string, ...value: (Node | string)[]): HTMLElement[] {
  return [h('dt', { text: label }), h('dd', {}, ...value)];
}

function times(list: string[]): Node[] {
  return list.flatMap((t, i) => (i > 0 ? [document.createTextNode(', '), time(t)] : [time(t)]));
}

async function render(link: RequestLink, token: string, s: RequestStatusResponse, ready: ReadyAnswer | null, message: HTMLElement | null): Promise<void> {
  const live = s.state === 'waiting' || s.state === 'uploading' || s.state === 'answered';
  const list = h(
    'dl',
    { class: 'status-list' },
    ...(s.label ? row('Asked for', h('span', { class: 'request-label', text: s.label })) : []),
    ...row('State', h('strong', { class: `state state-${s.state}`, text: stateText[s.state] ?? s.state })),
    ...row('Created', time(s.createdAt)),
    ...row(live ? 'Expires' : 'Expiry was', time(s.expiresAt)),
    ...(s.answeredAt ? row('Answered', time(s.answeredAt)) : []),
    ...(s.openedAt.length > 0 ? row('Opened', ...times(s.openedAt)) : []),
    ...(s.failedAttempts > 0 ? row('Failed attempts', String(s.failedAttempts)) : []),
    ...(s.destroyedAt ? row('Destroyed', time(s.destroyedAt)) : []),
  );
  const parts: Node[] = [h('h1', { text: TITLE })];
  if (message) parts.push(message);
  parts.push(h('section', { class: 'card' }, list));

  if (s.state === 'waiting') {
    parts.push(
      h(
        'section',
        { class: 'panel panel-share', 'aria-labelledby': 'send-title' },
        h('h2', { id: 'send-title', text: 'Not sent yet?' }),
        h('p', { text: 'This is the link for the person who has the secret. Send it, not the link of this page.' }),
        linkBox('send-link', 'Request link', sendLink(window.location.origin, link.id, await publicKeyOf(link.key))),
      ),
    );
  }
  if (s.state === 'opened') {
    parts.push(notice('info', 'The answer was opened.', h('p', {}, 'It was opened on ', ...times(s.openedAt),
      '. If that was not you, someone else has this private link.')));
  }
  if (ready) parts.push(...answerForm(link, token, ready));

  const refresh = h('button', { type: 'button', class: 'button secondary', text: 'Refresh' });
  refresh.addEventListener('click', () => void load(link, token));
  const actions = h('div', { class: 'actions' }, refresh);
  parts.push(actions);
  if (live) {
    const destroy = confirmButton(
      'Destroy request',
      'Destroy the request now? Its link stops working, and an answer that was not opened is deleted. This cannot be undone.',
      'Yes, destroy it',
      async () => {
        await api.destroyRequest(link.id, token);
        ready?.key.wipe();
        await load(link, token, notice('success', 'The request was destroyed.'));
      },
      (e) => describeProblem(e, 'request'),
    );
    actions.append(destroy.button);
    parts.push(destroy.box, h('p', { class: 'hint', text: 'Keep the link of this page to yourself: it opens the answer.' }));
  }
  show(...parts);
}

function answerForm(link: RequestLink, token: string, ready: ReadyAnswer): Node[] {
  const error = h('div', { class: 'form-error' });
  const reveal = h('button', { type: 'submit', class: 'button primary', text: 'Reveal answer' });
  const status = h('p', { class: 'progress-text', role: 'status' });
  const form = h('form', { class: 'card', novalidate: true }, error, h('div', { class: 'actions' }, reveal), status);
  onSubmit({
    form,
    submit: reveal,
    error,
    work: async () => {
      status.textContent = 'Opening…';
      await revealSecret(ready.answer.secretId, await ready.key.prepareOpen(),
        { title: TITLE, heading: 'The answer to your request', noun: 'answer', context: 'request' });
      ready.key.wipe();
    },
    failed: (err) => {
      status.textContent = '';
      if (err instanceof ProblemError && err.slug !== 'rate-limited') {
        // The answer changed under this page (opened elsewhere, expired, destroyed): show where it stands.
        void load(link, token, describeProblem(err, 'request'));
        return null;
      }
      return describeProblem(err, 'request');
    },
  });
  return [
    h('div', { class: 'card summary' }, h('h2', { text: 'The answer' }), h('p', { text: describeContents(ready.look) })),
    notice('warning', 'Reveal it only when you are ready.', h('p', { text: 'The answer can be opened once: afterwards it is deleted from the server.' })),
    form,
  ];
}
