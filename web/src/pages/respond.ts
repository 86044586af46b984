// `/r/{id}#{b64u(A)}`: the responder's page (docs/request-format.md §3.2). Loading it only looks
// (a GET that changes nothing); the answer is encrypted in this browser to the requester's public key
// and posted once, on an explicit click.

import { type Config, ProblemError, type RequestLookResponse, api } from '../api';
import { encode } from '../format/b64u';
import { DamagedLinkError } from '../format/link';
import { type RequestLink, agree, newPrivateKey, parseRequestLocation, sendToken } from '../format/request';
import { FormatError } from '../format/secret';
import { h, notice, onSubmit, show, time } from '../ui';
import { composer, progressBar, sealAnswerContent } from './compose';
import { damagedLink, describeProblem } from './problems';

const TITLE = 'Answer a request';

export async function respondPage(): Promise<void> {
  let link: RequestLink;
  try {
    link = parseRequestLocation(window.location.pathname, window.location.hash, 'send');
    await checkPublicKey(link.key);
  } catch (e) {
    if (e instanceof DamagedLinkError) {
      show(h('h1', { text: TITLE }), damagedLink(e.reason));
      return;
    }
    throw e;
  }
  const st = encode(await sendToken(link.key));
  let config: Config;
  let look: RequestLookResponse;
  try {
    [config, look] = await Promise.all([api.config(), api.lookRequest(link.id, st)]);
  } catch (e) {
    show(h('h1', { text: TITLE }), describeProblem(e, 'respond'));
    return;
  }
  renderForm(config, link, st, look);
}

/** A low-order public key (all-zero agreement) is a damaged link, found before anything is typed. */
async function checkPublicKey(publicKey: Uint8Array): Promise<void> {
  const probe = newPrivateKey();
  try {
    (await agree(probe, publicKey as Uint8Array<ArrayBuffer>)).fill(0);
  } catch (e) {
    if (e instanceof FormatError) throw new DamagedLinkError('the key in the link is not usable');
    throw e;
  } finally {
    probe.fill(0);
  }
}

function renderForm(config: Config, link: RequestLink, st: string, look: RequestLookResponse): void {
  const content = composer(config, 'The password, key or note they asked for. It is encrypted in this browser before it is sent.');
  const error = h('div', { class: 'form-error' });
  const progress = progressBar('Encryption and upload progress');
  const submit = h('button', { type: 'submit', class: 'button primary', text: 'Encrypt and send' });
  const form = h(
    'form',
    { class: 'card', novalidate: true },
    ...content.parts,
    error,
    h('div', { class: 'actions' }, submit),
    progress.bar,
    progress.text,
  );
  onSubmit({
    form,
    submit,
    error,
    check: content.check,
    work: async () => {
      await answer(config, link, st, content.text.value.length > 0 ? content.text.value : null, content.files, progress.update);
      showSent(look);
    },
    failed: (err) => {
      if (err instanceof ProblemError && ['already-answered', 'expired', 'destroyed', 'not-found'].includes(err.slug)) {
        show(h('h1', { text: TITLE }), describeProblem(err, 'respond'));
        return null;
      }
      progress.reset();
      return describeProblem(err, 'respond');
    },
  });

  show(
    h('h1', { text: 'Someone asks you for a secret' }),
    h(
      'div',
      { class: 'card summary' },
      look.label
        ? h('p', {}, 'They ask for: ', h('strong', { class: 'request-label', text: look.label }))
        : h('p', { text: 'They did not say what for: the link is all they sent.' }),
      h('p', {}, 'You can answer once, until ', time(look.expiresAt), '.'),
    ),
    notice(
      'warning',
      'Make sure you know who sent you this link.',
      h('p', { text: 'Parley cannot tell who made the request. Only the person holding its private link can read your answer, and nobody else, not even this server.' }),
    ),
    form,
  );
}

/** Agreement, sealing, the answer call and the upload. A failed upload withdraws the answer, so the request can be answered again. */
async function answer(config: Config, link: RequestLink, st: string, text: string | null, files: File[], onStatus: (m: string, f: number | null) => void): Promise<void> {
  const { ephemeralKey, content: sealed } = await sealAnswerContent(config, link.key, { text, files, passphrase: null, onStatus });
  try {
    onStatus('Sending…', null);
    const answered = await api.answerRequest(link.id, {
      sendToken: st,
      ephemeralKey,
      manifest: sealed.manifest,
      accessVerifier: sealed.accessVerifier!,
      streamBytes: sealed.streamBytes,
    });
    try {
      await sealed.upload(answered.secretId, answered.uploadToken);
    } catch (e) {
      await api.destroy(answered.secretId, answered.uploadToken).catch(() => undefined);
      throw e;
    }
  } finally {
    sealed.wipe();
  }
}

function showSent(look: RequestLookResponse): void {
  show(
    h('h1', { text: 'Your answer was sent' }),
    notice(
      'success',
      'It is encrypted and stored.',
      h('p', { text: 'Only the person who asked can open it, once. You can close this page.' }),
    ),
    h('p', {}, 'If they do not open it, it is deleted on ', time(look.expiresAt), '.'),
  );
}
