import { type LookResponse, type OpenResponse, ProblemError, api } from '../api';
import { decode } from '../format/b64u';
import { DamagedLinkError, type ParsedLink, parseLocation } from '../format/link';
import { type Opener, accessKeyOf, prepareOpen } from '../format/seal';
import {
  type Bytes,
  type Manifest,
  FormatError,
  plainLengthOf,
  uniqueFileNames,
  streamLength,
} from '../format/secret';
import { prepareStreaming, saveFile } from '../save';
import { type StreamTicket, decryptRange } from '../transfer';
import { copyButton, field, formatBytes, h, notice, plural, show, time } from '../ui';
import { type Context, damagedLink, describeProblem } from './problems';

const TITLE = 'Open a secret';

/** `/s/{id}#key`: looks (never burns), then reveals on an explicit click. */
export async function openPage(): Promise<void> {
  let link: ParsedLink;
  try {
    link = parseLocation(window.location.pathname, window.location.hash, 's');
  } catch (e) {
    if (e instanceof DamagedLinkError) {
      show(h('h1', { text: TITLE }), damagedLink(e.reason));
      return;
    }
    throw e;
  }
  const accessKey = await accessKeyOf(link.secret);

  let look: LookResponse;
  try {
    look = await api.look(link.id, accessKey);
  } catch (e) {
    // Look with a wrong access key says only "not found". Asking again without the key (which also
    // changes nothing) tells an altered link apart from a secret that is gone.
    if (e instanceof ProblemError && e.slug === 'not-found' && (await existsWithoutKey(link.id))) {
      show(h('h1', { text: TITLE }), damagedLink('the key in the link does not match this secret'));
      return;
    }
    show(h('h1', { text: TITLE }), describeProblem(e, 'open'));
    return;
  }
  if (look.state === 'uploading') {
    show(h('h1', { text: TITLE }), notice('info', 'This secret is still being uploaded.', h('p', { text: 'Reload this page in a minute. Nothing was used up.' })));
    return;
  }
  void prepareStreaming();
  renderWaiting(link, look);
}

async function existsWithoutKey(id: string): Promise<boolean> {
  try {
    await api.look(id);
    return true;
  } catch {
    return false;
  }
}

export function describeContents(look: LookResponse): string {
  if (look.streamBytes === null) return 'It holds a text message.';
  const plain = plainLengthOf(look.streamBytes);
  const size = plain === null ? '' : ` (${formatBytes(plain)} in total)`;
  return `It holds files${size}, and maybe a text message.`;
}

function renderWaiting(link: ParsedLink, look: LookResponse): void {
  const error = h('div', { class: 'form-error' });
  const reveal = h('button', { type: 'submit', class: 'button primary', text: 'Reveal secret' });
  const status = h('p', { class: 'progress-text', role: 'status' });
  const passphrase = look.passphrase ? h('input', { type: 'password', autocomplete: 'off', required: true, maxLength: 1024, spellcheck: false }) : null;

  const form = h(
    'form',
    { class: 'card', novalidate: true },
    passphrase ? field('passphrase', 'Passphrase', passphrase, 'The sender gave it to you separately from the link.') : null,
    error,
    h('div', { class: 'actions' }, reveal),
    status,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void (async () => {
      error.replaceChildren();
      if (passphrase && passphrase.value.length === 0) {
        error.replaceChildren(notice('error', 'Enter the passphrase first.'));
        passphrase.focus();
        return;
      }
      reveal.disabled = true;
      form.setAttribute('aria-busy', 'true');
      status.textContent = passphrase ? 'Checking the passphrase…' : 'Opening…';
      try {
        const pass = look.passphrase && passphrase
          ? { passphrase: passphrase.value, salt: decode(look.passphrase.salt) as Bytes, iterations: look.passphrase.iterations }
          : null;
        await revealSecret(link.id, await prepareOpen(link.secret, pass));
        // The view is used from here on; the key stays only in memory while the page is open.
        window.history.replaceState(null, '', window.location.pathname);
      } catch (err) {
        status.textContent = '';
        reveal.disabled = false;
        form.removeAttribute('aria-busy');
        const problem = describeProblem(err, 'open');
        const terminal = err instanceof ProblemError && err.slug !== 'wrong-passphrase' && err.slug !== 'rate-limited';
        if (terminal) {
          show(h('h1', { text: TITLE }), problem);
          return;
        }
        error.replaceChildren(problem);
        passphrase?.select();
        passphrase?.focus();
      }
    })();
  });

  show(
    h('h1', { text: 'A one-time secret is waiting for you' }),
    h(
      'div',
      { class: 'card summary' },
      h('p', { text: describeContents(look) }),
      h('p', {}, `It can be opened ${look.viewsLeft === 1 ? 'once more' : `${look.viewsLeft} more times`}, until `, time(look.expiresAt), '.'),
      look.passphrase ? h('p', { text: 'It is protected by a passphrase.' }) : null,
    ),
    notice('warning', 'Reveal it only when you are ready.', h('p', { text: look.viewsLeft === 1 ? 'Revealing opens it for the last time: afterwards the link no longer works.' : 'Revealing uses up one of its views.' })),
    form,
  );
}

/** How the revealed content is named: a secret someone shared, or the answer to a request. */
export interface RevealWords {
  /** Heading of the page when something goes wrong. */
  title: string;
  /** Heading of the revealed content. */
  heading: string;
  /** What it is, in "This … is now deleted". */
  noun: string;
  context: Context;
}

const SECRET_WORDS: RevealWords = { title: TITLE, heading: 'Your secret', noun: 'secret', context: 'open' };

/**
 * Opens secret `id` (the view is used from here on), decrypts its manifest and shows its text and
 * files. Problems the server answers are thrown to the caller; a manifest or stream that does not
 * match the key is shown as such.
 */
export async function revealSecret(id: string, opener: Opener, words: RevealWords = SECRET_WORDS): Promise<void> {
  let opened: OpenResponse;
  try {
    opened = await api.open(id, opener.accessKey, opener.passphraseProof);
  } catch (e) {
    opener.wipe();
    throw e;
  }
  let manifest: Manifest;
  let fileKey: CryptoKey;
  try {
    ({ manifest, fileKey } = await opener.open(opened));
  } catch (e) {
    show(h('h1', { text: words.title }), describeProblem(e instanceof FormatError ? e : new FormatError('bad manifest'), words.context));
    return;
  }
  const total = manifest.files.reduce((n, f) => n + f.size, 0);
  if (manifest.files.length > 0 && (opened.stream === null || opened.stream.bytes !== streamLength(total))) {
    show(h('h1', { text: words.title }), describeProblem(new FormatError('stream size mismatch'), words.context));
    return;
  }
  const ticket: StreamTicket | null = opened.stream
    ? { id, downloadToken: opened.stream.downloadToken, fileKey, plainBytes: total }
    : null;
  renderRevealed(manifest, opened, ticket, words);
}

function renderRevealed(manifest: Manifest, opened: OpenResponse, ticket: StreamTicket | null, words: RevealWords): void {
  const parts: Node[] = [h('h1', { text: words.heading })];
  parts.push(
    opened.viewsLeft === 0
      ? notice('info', `This ${words.noun} is now deleted from the server.`, h('p', { text: 'Copy or save what you need before you leave this page: the link will not work again.' }))
      : notice('info', `It can still be opened ${plural(opened.viewsLeft, 'more time', 'more times')}.`),
  );
  if (manifest.text !== null && manifest.text !== '') {
    const text = h('textarea', { readOnly: true, rows: Math.min(16, Math.max(3, manifest.text.split('\n').length + 1)), spellcheck: false, value: manifest.text, class: 'secret-text' });
    parts.push(h('section', { class: 'card' }, field('secret-text', 'Text', text), copyButton('Copy text', () => manifest.text ?? '')));
  }
  if (manifest.files.length > 0 && ticket) {
    const saved = new Set<number>();
    let offset = 0;
    const names = uniqueFileNames(manifest.files.map((f) => f.name));
    const items = manifest.files.map((f, i) => {
      const start = offset;
      offset += f.size;
      const name = names[i]!;
      const state = h('span', { class: 'file-state', role: 'status' });
      const button = h('button', { type: 'button', class: 'button secondary', text: 'Save', 'aria-label': `Save ${name}` });
      button.addEventListener('click', () => {
        void (async () => {
          button.disabled = true;
          state.textContent = 'Decrypting…';
          try {
            await saveFile(name, f.type, f.size, () => decryptRange(ticket, start, start + f.size));
            state.textContent = 'Saved.';
            saved.add(i);
            if (saved.size === manifest.files.length && opened.viewsLeft === 0) {
              void api.releaseStream(ticket.id, ticket.downloadToken).catch(() => undefined);
            }
          } catch (e) {
            state.replaceChildren(describeProblem(e, 'open'));
          } finally {
            button.disabled = false;
          }
        })();
      });
      return h('li', {}, h('span', { class: 'file-name', text: name }), h('span', { class: 'file-size', text: formatBytes(f.size) }), button, state);
    });
    parts.push(
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'files-title' },
        h('h2', { id: 'files-title', text: plural(manifest.files.length, 'file', 'files') }),
        h('p', { class: 'hint' }, 'Each file is decrypted in this browser as it downloads. You can save files until ', time(opened.stream!.expiresAt), '.'),
        h('ul', { class: 'file-list' }, ...items),
      ),
    );
  }
  show(...parts);
}
