// `/request`: the requester's browser makes an X25519 key pair and creates a request
// (docs/request-format.md §3.1). It gets two links: the send link (public key in the fragment) for the
// person who has the secret, and the private link (private key in the fragment) to keep.

import { type Config, api } from '../api';
import { encode } from '../format/b64u';
import { newPrivateKey, privateLink, publicKeyOf, requestToken, sendLink, sendToken } from '../format/request';
import { sha256 } from '../format/secret';
import { field, h, notice, onSubmit, show, time } from '../ui';
import { expirySelect, linkBox, qrCode } from './compose';
import { describeProblem } from './problems';

const TITLE = 'Request a secret';

/** Most characters of a label (the server's limit, docs/api.md). */
export const MAX_LABEL_CHARS = 200;

export async function requestPage(): Promise<void> {
  let config: Config;
  try {
    config = await api.config();
  } catch (e) {
    show(h('h1', { text: TITLE }), describeProblem(e, 'request'));
    return;
  }
  if (!config.creationOpen) {
    show(
      h('h1', { text: TITLE }),
      notice('info', 'Requests are closed on this server.', h('p', { text: 'You can still answer requests and open links you were sent.' })),
    );
    return;
  }
  renderForm(config);
}

function renderForm(config: Config): void {
  const label = h('input', { type: 'text', maxLength: MAX_LABEL_CHARS, autocomplete: 'off' });
  const expiry = expirySelect(config);
  const error = h('div', { class: 'form-error' });
  const status = h('p', { class: 'progress-text', role: 'status' });
  const submit = h('button', { type: 'submit', class: 'button primary', text: 'Create request link' });
  const form = h(
    'form',
    { class: 'card', novalidate: true },
    field('label', 'What do you need? (optional)', label,
      'Shown to the person you ask, for example "VPN password for the new laptop". It is stored on the server as plain text: describe the secret, never write it here.'),
    field('expiry', 'Expires after', expiry, 'They can answer until then; the answer can be opened until then too.'),
    error,
    h('div', { class: 'actions' }, submit),
    status,
  );
  onSubmit({
    form,
    submit,
    error,
    check: () => {
      if ([...label.value.trim()].length <= MAX_LABEL_CHARS) return null;
      label.focus();
      return notice('error', `The description is too long: at most ${MAX_LABEL_CHARS} characters.`);
    },
    work: async () => {
      status.textContent = 'Making the key pair…';
      const text = label.value.trim();
      showResult(await createRequest(text.length > 0 ? text : null, Number(expiry.value)));
    },
    failed: (err) => {
      status.textContent = '';
      return describeProblem(err, 'request');
    },
  });

  show(
    h('h1', { text: TITLE }),
    h('p', { class: 'lead', text: 'Ask someone for a password, a key or a file. They encrypt it in their browser to a key that only this request holds; only you can open their answer, once.' }),
    form,
  );
}

export interface RequestResult {
  send: string;
  private: string;
  label: string | null;
  expiresAt: string;
}

/** Key pair, tokens, create call; the private key leaves this function only inside the private link. */
export async function createRequest(label: string | null, expiresInSeconds: number): Promise<RequestResult> {
  const a = newPrivateKey();
  try {
    const publicKey = await publicKeyOf(a);
    const rt = await requestToken(a);
    const st = await sendToken(publicKey);
    const created = await api.createRequest({
      tokenVerifier: encode(await sha256(rt)),
      sendVerifier: encode(await sha256(st)),
      label,
      expiresInSeconds,
    });
    rt.fill(0);
    st.fill(0);
    const origin = window.location.origin;
    return {
      send: sendLink(origin, created.id, publicKey),
      private: privateLink(origin, created.id, a),
      label,
      expiresAt: created.expiresAt,
    };
  } finally {
    a.fill(0);
  }
}

function showResult(r: RequestResult): void {
  const send = h(
    'section',
    { class: 'panel panel-share', 'aria-labelledby': 'send-title' },
    h('h2', { id: 'send-title', text: 'Send this link' }),
    h('p', { text: 'Send it to the person who has the secret. They can answer once, until ' }, time(r.expiresAt), '.'),
    linkBox('send-link', 'Request link', r.send),
    qrCode(r.send, 'QR code of the request link'),
  );
  const keep = h(
    'section',
    { class: 'panel panel-manage', 'aria-labelledby': 'private-title' },
    h('h2', { id: 'private-title', text: 'Keep this link to yourself' }),
    h('p', { text: 'Do not send it: it holds the key that opens the answer. Open it to see whether they answered, to read the answer once, or to withdraw the request.' }),
    linkBox('private-link', 'Private link', r.private),
    h('p', {}, h('a', { href: r.private, target: '_blank', rel: 'noopener noreferrer', text: 'Open the private page in a new tab' })),
  );
  show(
    h('h1', { text: 'Your request link is ready' }),
    h('p', { class: 'lead' }, r.label ? `You ask for: ${r.label}. ` : '', 'Nothing secret is stored yet: the server keeps only the request and, later, the encrypted answer.'),
    send,
    keep,
    h('p', {}, h('a', { href: '/request', class: 'button secondary', text: 'Request another secret' })),
  );
}
