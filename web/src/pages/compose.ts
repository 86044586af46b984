// What the create page and the responder's page share: the text box with its file picker, the size
// checks, and the sealed content (format/seal.ts does the cryptography) with its encrypted upload.

import type { Config } from '../api';
import { type Bytes, type ManifestFile, MAX_FILE_NAME_BYTES, streamLength } from '../format/secret';
import { type Sealed, seal, sealAnswer } from '../format/seal';
import { encryptAndUpload } from '../transfer';
import { copyButton, field, formatBytes, h, notice } from '../ui';

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

/** The most plaintext the server's stream limit holds. */
export function plainLimit(config: Config): number {
  return Math.max(0, config.maxStreamBytes - 8 - 16 * Math.ceil(config.maxStreamBytes / 65552));
}

export interface Composer {
  text: HTMLTextAreaElement;
  files: File[];
  /** The text field and the files fieldset, in form order. */
  parts: HTMLElement[];
  /** A notice saying why the content cannot be sent as it is, or null when it can. */
  check(): HTMLElement | null;
}

/** A text box and a drop zone for several files, with their labels and limits. */
export function composer(config: Config, textHint: string): Composer {
  const files: File[] = [];
  const text = h('textarea', { rows: 6, spellcheck: false, autocomplete: 'off' });
  const fileInput = h('input', { type: 'file', multiple: true, class: 'file-input' });
  const fileList = h('ul', { class: 'file-list', 'aria-live': 'polite' });

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

  const check = (): HTMLElement | null => {
    if (text.value.length === 0 && files.length === 0) {
      text.focus();
      return notice('error', 'Nothing to send yet.', h('p', { text: 'Type a secret text or add at least one file.' }));
    }
    if (files.length > config.maxFiles) return notice('error', `Too many files: at most ${config.maxFiles}.`);
    const total = files.reduce((n, f) => n + f.size, 0);
    if (files.length > 0 && streamLength(total) > config.maxStreamBytes) {
      return notice('error', `The files are too large: at most ${formatBytes(plainLimit(config))} in total.`);
    }
    return null;
  };

  return {
    text,
    files,
    parts: [
      field('text', 'Secret text', text, textHint),
      h('fieldset', { class: 'files' }, h('legend', { text: 'Files (optional)' }), drop,
        h('p', { class: 'hint', text: `Up to ${config.maxFiles} files, ${formatBytes(plainLimit(config))} in total.` })),
    ],
    check,
  };
}

export type StatusCallback = (message: string, fraction: number | null) => void;

export interface ContentInput {
  text: string | null;
  files: File[];
  passphrase: string | null;
  /** Null for one recipient; otherwise one label (or null) per recipient. */
  recipients?: (string | null)[] | null;
  onStatus: StatusCallback;
}

/** The sealed content as the API takes it, and the upload of its file stream once the server has an id. */
export interface SealedContent extends Sealed {
  streamBytes: number | null;
  upload(id: string, uploadToken: string): Promise<void>;
}

/** Seals text and files for a new secret: one recipient, or several with a link each. */
export async function sealContent(config: Config, input: ContentInput): Promise<SealedContent> {
  input.onStatus(input.passphrase !== null ? 'Strengthening the passphrase…' : 'Encrypting…', null);
  const sealed = await seal({
    text: input.text,
    files: manifestFiles(input.files),
    passphrase: input.passphrase,
    iterations: config.passphrase.defaultIterations,
    recipients: input.recipients ?? null,
  });
  return withUpload(config, input, sealed);
}

/** Seals the answer to a request for the requester's public key (the answer has no passphrase). */
export async function sealAnswerContent(config: Config, requesterPublic: Bytes, input: ContentInput): Promise<{ ephemeralKey: string; content: SealedContent }> {
  input.onStatus('Encrypting…', null);
  const { ephemeralKey, sealed } = await sealAnswer(requesterPublic, {
    text: input.text,
    files: manifestFiles(input.files),
    passphrase: null,
    iterations: config.passphrase.defaultIterations,
    recipients: null,
  });
  return { ephemeralKey, content: withUpload(config, input, sealed) };
}

function manifestFiles(files: File[]): ManifestFile[] {
  return files.map((f) => ({ name: fitFileName(f.name), size: f.size, type: f.type || 'application/octet-stream' }));
}

function withUpload(config: Config, input: ContentInput, sealed: Sealed): SealedContent {
  if (sealed.manifestBytes > config.maxManifestBytes) {
    sealed.wipe();
    throw new Error('The text is too long for this server.');
  }
  const total = input.files.reduce((n, f) => n + f.size, 0);
  return {
    ...sealed,
    streamBytes: input.files.length > 0 ? streamLength(total) : null,
    upload: async (id, uploadToken) => {
      if (input.files.length === 0) return;
      input.onStatus('Encrypting and uploading files…', 0);
      await encryptAndUpload({
        id,
        manageToken: uploadToken,
        fileKey: sealed.fileKey,
        prefix: sealed.streamPrefix,
        source: new Blob(input.files),
        onProgress: (done, all) =>
          input.onStatus(`Encrypting and uploading files… ${formatBytes(done)} of ${formatBytes(all)}`, all === 0 ? 1 : done / all),
      });
    },
  };
}

/** A progress bar and its spoken status line, driven by a {@link StatusCallback}. */
export function progressBar(label: string): { bar: HTMLProgressElement; text: HTMLElement; update: StatusCallback; reset(): void } {
  const bar = h('progress', { max: 100, value: 0, hidden: true, 'aria-label': label });
  const text = h('p', { class: 'progress-text', role: 'status' });
  return {
    bar,
    text,
    update: (message, fraction) => {
      text.textContent = message;
      if (fraction !== null) {
        bar.hidden = false;
        bar.value = Math.round(fraction * 100);
      }
    },
    reset: () => {
      bar.hidden = true;
      text.textContent = '';
    },
  };
}

/** The server's expiry choices, its default selected. */
export function expirySelect(config: Config): HTMLSelectElement {
  return h(
    'select',
    {},
    ...config.expiryChoices.map((c) => h('option', { value: String(c.seconds), text: c.label, selected: c.seconds === config.defaultExpirySeconds })),
  );
}

/** A read-only link with its label and a copy button. */
export function linkBox(id: string, label: string, value: string): HTMLElement {
  const input = h('input', { type: 'text', readOnly: true, value, spellcheck: false, class: 'link-input' });
  input.addEventListener('focus', () => input.select());
  return h('div', { class: 'link-box' }, field(id, label, input), copyButton(`Copy ${label.toLowerCase()}`, () => value));
}

/** A QR code of `link` with a hint, for handing a link to a phone. */
export function qrCode(link: string, label: string): HTMLElement {
  const qr = h('canvas', { class: 'qr', role: 'img', 'aria-label': label });
  // The QR library is a third of the page's script and drawn only on a result: loaded when needed.
  void import('qrcode').then(({ default: QRCode }) => QRCode.toCanvas(qr, link, { errorCorrectionLevel: 'M', margin: 2, width: 208, color: { dark: '#000000', light: '#ffffff' } }));
  return h('div', { class: 'qr-wrap' }, qr, h('p', { class: 'hint', text: 'Or let them scan it with a phone.' }));
}
