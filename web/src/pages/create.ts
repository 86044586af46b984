import QRCode from 'qrcode';
import { type Config, ProblemError, api } from '../api';
import { encode } from '../format/b64u';
import { manageLink, shareLink } from '../format/link';
import {
  type Bytes,
  KEY_BYTES,
  MAX_FILE_NAME_BYTES,
  NONCE_BYTES,
  PREFIX_BYTES,
  SALT_BYTES,
  deriveKeys,
  manifestJson,
  randomBytes,
  sealManifest,
  sha256,
  streamLength,
} from '../format/secret';
import { strength } from '../strength';
import { encryptAndUpload } from '../transfer';
import { copyButton, field, formatBytes, h, notice, show, time } from '../ui';
import { describeProblem } from './problems';

/** Cuts a file name to the format's 255 UTF-8 bytes, keeping its extension when it can. */
export function fitFileName(name: string): string {
  const enc = new TextEncoder();
  const n = name.length > 0 ? name : 'file';
  if (enc.encode(n).length <= MAX_FILE_NAME_BYTES) return n;
  const dot = n.lastIndexOf('.');
  const ext = dot > 0 && n.length - dot <= 16 ? n.slice(dot) : '';
  let stem = [...n.slice(0, n.length - ext.length)];
  while (stem.length > 0 && enc.encode(stem.join('') + ext).length > MAX_FILE_NAME_BYTES) stem = stem.slice(0, -1);
  return stem.join('') + ext;
}

export async function createPage(): Promise<void> {
  let config: Config;
  try {
    config = await api.config();
  } catch (e) {
    show(h('h1', { text: 'Share a secret' }), describeProblem(e, 'create'));
    return;
  }
  if (!config.creationOpen) {
    show(
      h('h1', { text: 'Share a secret' }),
      notice('info', 'Creating secrets is closed on this server.', h('p', { text: 'You can still open links you were sent.' })),
    );
    return;
  }
  renderForm(config);
}

function renderForm(config: Config): void {
  const files: File[] = [];
  const text = h('textarea', { rows: 6, spellcheck: false, autocomplete: 'off' });
  const fileInput = h('input', { type: 'file', multiple: true, class: 'file-input' });
  const fileList = h('ul', { class: 'file-list', 'aria-live': 'polite' });
  const expiry = h(
    'select',
    {},
    ...config.expiryChoices.map((c) => h('option', { value: String(c.seconds), text: c.label, selected: c.seconds === config.defaultExpirySeconds })),
  );
  const views = h(
    'select',
    {},
    ...config.viewChoices.map((v) => h('option', { value: String(v), text: v === 1 ? 'once' : `${v} times`, selected: v === config.defaultViews })),
  );
  const passphrase = h('input', { type: 'password', autocomplete: 'new-password', maxLength: 1024, spellcheck: false });
  const meter = h('meter', { min: 0, max: 4, low: 2, high: 3, optimum: 4, value: 0, 'aria-label': 'Passphrase strength' });
  const strengthText = h('span', { class: 'strength-label' });
  const hint = h('span', { text: strength('').advice });
  const showPass = h('input', { type: 'checkbox', id: 'show-pass' });
  const error = h('div', { class: 'form-error' });
  const progress = h('progress', { max: 100, value: 0, hidden: true, 'aria-label': 'Encryption and upload progress' });
  const progressText = h('p', { class: 'progress-text', role: 'status' });
  const submit = h('button', { type: 'submit', class: 'button primary', text: 'Create secret link' });

  const renderFiles = (): void => {
    fileList.replaceChildren(
      ...files.map((f, i) =>
        h(
          'li',
          {},
          h('span', { class: 'file-name', text: f.name }),
          h('span', { class: 'file-size', text: formatBytes(f.size) }),
          h('button', {
            type: 'button',
            class: 'button link',
            text: 'Remove',
            'aria-label': `Remove ${f.name}`,
            onclick: (() => {
              files.splice(i, 1);
              renderFiles();
              fileInput.focus();
            }) as EventListener,
          }),
        ),
      ),
    );
  };
  const addFiles = (list: FileList | null): void => {
    if (!list) return;
    for (const f of Array.from(list)) files.push(f);
    renderFiles();
  };
  fileInput.addEventListener('change', () => {
    addFiles(fileInput.files);
    fileInput.value = '';
  });

  const drop = h(
    'div',
    { class: 'drop-zone' },
    h('p', {}, h('label', { for: 'files', class: 'drop-label', text: 'Add files' }), ' or drop them here.'),
    fileInput,
    fileList,
  );
  fileInput.id = 'files';
  for (const type of ['dragenter', 'dragover']) {
    drop.addEventListener(type, (e) => {
      e.preventDefault();
      drop.classList.add('dragging');
    });
  }
  for (const type of ['dragleave', 'drop']) drop.addEventListener(type, () => drop.classList.remove('dragging'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    addFiles((e as DragEvent).dataTransfer?.files ?? null);
  });

  passphrase.addEventListener('input', () => {
    const s = strength(passphrase.value);
    meter.value = s.score;
    strengthText.textContent = s.label;
    hint.textContent = s.advice;
  });
  showPass.addEventListener('change', () => (passphrase.type = showPass.checked ? 'text' : 'password'));

  const form = h(
    'form',
    { class: 'card', novalidate: true },
    field('text', 'Secret text', text, 'A password, a key, a note: anything you want to send once.'),
    h('fieldset', { class: 'files' }, h('legend', { text: 'Files (optional)' }), drop,
      h('p', { class: 'hint', text: `Up to ${config.maxFiles} files, ${formatBytes(plainLimit(config))} in total.` })),
    h(
      'fieldset',
      { class: 'options' },
      h('legend', { text: 'Options' }),
      h('div', { class: 'row' }, field('expiry', 'Expires after', expiry), field('views', 'Can be opened', views)),
      field('passphrase', 'Passphrase (optional)', passphrase, h('span', {}, meter, ' ', strengthText, ' ', hint)),
      h('div', { class: 'checkbox' }, showPass, h('label', { for: 'show-pass', text: 'Show passphrase' })),
    ),
    error,
    h('div', { class: 'actions' }, submit),
    progress,
    progressText,
  );

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void (async () => {
      error.replaceChildren();
      const content = text.value;
      if (content.length === 0 && files.length === 0) {
        error.replaceChildren(notice('error', 'Nothing to share yet.', h('p', { text: 'Type a secret text or add at least one file.' })));
        text.focus();
        return;
      }
      if (files.length > config.maxFiles) {
        error.replaceChildren(notice('error', `Too many files: at most ${config.maxFiles}.`));
        return;
      }
      const total = files.reduce((n, f) => n + f.size, 0);
      if (files.length > 0 && streamLength(total) > config.maxStreamBytes) {
        error.replaceChildren(notice('error', `The files are too large: at most ${formatBytes(plainLimit(config))} in total.`));
        return;
      }
      submit.disabled = true;
      form.setAttribute('aria-busy', 'true');
      try {
        const result = await createSecret(config, {
          text: content.length > 0 ? content : null,
          files,
          passphrase: passphrase.value.length > 0 ? passphrase.value : null,
          expiresInSeconds: Number(expiry.value),
          maxViews: Number(views.value),
          onStatus: (message, fraction) => {
            progressText.textContent = message;
            if (fraction !== null) {
              progress.hidden = false;
              progress.value = Math.round(fraction * 100);
            }
          },
        });
        showResult(result);
      } catch (err) {
        error.replaceChildren(describeProblem(err, 'create'));
        progress.hidden = true;
        progressText.textContent = '';
        submit.disabled = false;
        form.removeAttribute('aria-busy');
      }
    })();
  });

  show(
    h('h1', { text: 'Share a secret' }),
    h('p', { class: 'lead', text: 'Your text and files are encrypted in this browser before they are sent. The server never sees them, nor the key to open them.' }),
    form,
  );
}

function plainLimit(config: Config): number {
  return Math.max(0, config.maxStreamBytes - 8 - 16 * Math.ceil(config.maxStreamBytes / 65552));
}

export interface CreateInput {
  text: string | null;
  files: File[];
  passphrase: string | null;
  expiresInSeconds: number;
  maxViews: number;
  onStatus: (message: string, fraction: number | null) => void;
}

export interface CreateResult {
  share: string;
  manage: string;
  expiresAt: string;
  maxViews: number;
  hasPassphrase: boolean;
}

/** The whole creation: keys, manifest, create call, encrypted upload. */
export async function createSecret(config: Config, input: CreateInput): Promise<CreateResult> {
  const linkKey: Bytes = randomBytes(KEY_BYTES);
  try {
    let pass = null;
    if (input.passphrase !== null) {
      input.onStatus('Strengthening the passphrase…', null);
      pass = { passphrase: input.passphrase, salt: randomBytes(SALT_BYTES), iterations: config.passphrase.defaultIterations };
    }
    const keys = await deriveKeys(linkKey, pass);
    input.onStatus('Encrypting…', null);
    const json = manifestJson(
      input.text,
      input.files.map((f) => ({ name: fitFileName(f.name), size: f.size, type: f.type || 'application/octet-stream' })),
    );
    const sealed = await sealManifest(keys.manifestKey, json, randomBytes(NONCE_BYTES));
    json.fill(0);
    if (sealed.length > config.maxManifestBytes) throw new Error('The text is too long for this server.');
    const total = input.files.reduce((n, f) => n + f.size, 0);
    const created = await api.create({
      manifest: encode(sealed),
      accessVerifier: encode(await sha256(keys.accessKey)),
      passphrase: pass && keys.passphraseProof
        ? { kdf: 'pbkdf2-sha256', salt: encode(pass.salt), iterations: pass.iterations, verifier: encode(await sha256(keys.passphraseProof)) }
        : null,
      expiresInSeconds: input.expiresInSeconds,
      maxViews: input.maxViews,
      streamBytes: input.files.length > 0 ? streamLength(total) : null,
    });
    keys.accessKey.fill(0);
    keys.passphraseProof?.fill(0);
    if (input.files.length > 0) {
      input.onStatus('Encrypting and uploading files…', 0);
      await encryptAndUpload({
        id: created.id,
        manageToken: created.manageToken,
        fileKey: keys.fileKey,
        prefix: randomBytes(PREFIX_BYTES),
        source: new Blob(input.files),
        onProgress: (done, all) =>
          input.onStatus(`Encrypting and uploading files… ${formatBytes(done)} of ${formatBytes(all)}`, all === 0 ? 1 : done / all),
      });
    }
    const origin = window.location.origin;
    return {
      share: shareLink(origin, created.id, linkKey),
      manage: manageLink(origin, created.id, created.manageToken),
      expiresAt: created.expiresAt,
      maxViews: input.maxViews,
      hasPassphrase: pass !== null,
    };
  } finally {
    linkKey.fill(0);
  }
}

function linkBox(id: string, label: string, value: string): HTMLElement {
  const input = h('input', { type: 'text', readOnly: true, value, spellcheck: false, class: 'link-input' });
  input.addEventListener('focus', () => input.select());
  return h('div', { class: 'link-box' }, field(id, label, input), copyButton(`Copy ${label.toLowerCase()}`, () => value));
}

function showResult(r: CreateResult): void {
  const qr = h('canvas', { class: 'qr', role: 'img', 'aria-label': 'QR code of the share link' });
  void QRCode.toCanvas(qr, r.share, { errorCorrectionLevel: 'M', margin: 2, width: 208, color: { dark: '#000000', light: '#ffffff' } });

  const share = h(
    'section',
    { class: 'panel panel-share', 'aria-labelledby': 'share-title' },
    h('h2', { id: 'share-title', text: 'Send this link' }),
    h('p', { text: `Send it to the person who needs the secret. It can be opened ${r.maxViews === 1 ? 'once' : `${r.maxViews} times`}, until ` }, time(r.expiresAt), '.'),
    linkBox('share-link', 'Share link', r.share),
    h('div', { class: 'qr-wrap' }, qr, h('p', { class: 'hint', text: 'Or let them scan it with a phone.' })),
    r.hasPassphrase ? notice('warning', 'Send the passphrase another way.', h('p', { text: 'For example by phone or in a different app than the link. Without it the link cannot be opened.' })) : null,
  );
  const manage = h(
    'section',
    { class: 'panel panel-manage', 'aria-labelledby': 'manage-title' },
    h('h2', { id: 'manage-title', text: 'Keep this link to yourself' }),
    h('p', { text: 'Do not send it. It shows whether the secret has been opened and lets you destroy it early.' }),
    linkBox('manage-link', 'Manage link', r.manage),
    h('p', {}, h('a', { href: r.manage, target: '_blank', rel: 'noopener noreferrer', text: 'Open the status page in a new tab' })),
  );
  show(
    h('h1', { text: 'Your secret link is ready' }),
    h('p', { class: 'lead', text: 'The secret is encrypted and stored. Only the share link can open it.' }),
    share,
    manage,
    h('p', {}, h('a', { href: '/', class: 'button secondary', text: 'Share another secret' })),
  );
}
