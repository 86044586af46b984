import { type Config, api } from '../api';
import { manageLink } from '../format/link';
import { MAX_RECIPIENTS, MAX_RECIPIENT_LABEL_CHARS, hasLoneSurrogate } from '../format/secret';
import { strength } from '../strength';
import { field, h, notice, onSubmit, show, time } from '../ui';
import { type ContentInput, composer, expirySelect, linkBox, progressBar, qrCode, sealContent } from './compose';
import { describeProblem } from './problems';

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
  const content = composer(config, 'A password, a key, a note: anything you want to send once.');
  const expiry = expirySelect(config);
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
  const webhook = h('input', { type: 'url', inputMode: 'url', autocomplete: 'off', spellcheck: false, maxLength: 2048, placeholder: 'https://' });
  const recipients = h('input', { type: 'text', autocomplete: 'off', spellcheck: false, maxLength: 4000 });
  const error = h('div', { class: 'form-error' });
  const progress = progressBar('Encryption and upload progress');
  const submit = h('button', { type: 'submit', class: 'button primary', text: 'Create secret link' });

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
    ...content.parts,
    h(
      'fieldset',
      { class: 'options' },
      h('legend', { text: 'Options' }),
      h('div', { class: 'row' }, field('expiry', 'Expires after', expiry), field('views', 'Can be opened', views)),
      field('passphrase', 'Passphrase (optional)', passphrase, h('span', {}, meter, ' ', strengthText, ' ', hint)),
      h('div', { class: 'checkbox' }, showPass, h('label', { for: 'show-pass', text: 'Show passphrase' })),
      field('recipients', 'Recipients (optional)', recipients,
        `To give several people a link each: how many (up to ${maxRecipients(config)}), or their names separated by commas, e.g. "alice, bob". Names appear on your status page; the server can see them.`),
      field('webhook', 'Notify this URL (optional)', webhook,
        'The server sends a signed notice there when the secret is opened, fails to open, expires or is destroyed. The server can see this address.'),
    ),
    error,
    h('div', { class: 'actions' }, submit),
    progress.bar,
    progress.text,
  );

  onSubmit({
    form,
    submit,
    error,
    check: () => content.check() ?? recipientsProblem(parseRecipients(recipients.value, maxRecipients(config)), recipients),
    work: async () => {
      showResult(await createSecret(config, {
        text: content.text.value.length > 0 ? content.text.value : null,
        files: content.files,
        passphrase: passphrase.value.length > 0 ? passphrase.value : null,
        expiresInSeconds: Number(expiry.value),
        maxViews: Number(views.value),
        webhook: webhook.value.trim().length > 0 ? webhook.value.trim() : null,
        recipients: parseRecipients(recipients.value, maxRecipients(config)) as (string | null)[] | null,
        onStatus: progress.update,
      }));
    },
    failed: (err) => {
      progress.reset();
      return describeProblem(err, 'create');
    },
  });

  show(
    h('h1', { text: 'Share a secret' }),
    h('p', { class: 'lead', text: 'Your text and files are encrypted in this browser before they are sent. The server never sees them, nor the key to open them.' }),
    h('p', { class: 'lead' }, 'Need a secret from someone else? ', h('a', { href: '/request', text: 'Request a secret' }), ': they encrypt it in their browser for you.'),
    form,
  );
}

export interface CreateInput extends ContentInput {
  expiresInSeconds: number;
  maxViews: number;
  webhook?: string | null;
}

function maxRecipients(config: Config): number {
  return Math.min(config.maxRecipients ?? MAX_RECIPIENTS, MAX_RECIPIENTS);
}

/**
 * The recipients field: empty for one recipient (null), a number for that many unnamed links, or
 * names separated by commas (docs/api.md: 1–64 visible characters, unique ignoring case). A string is
 * the reason it cannot be used.
 */
export function parseRecipients(value: string, max: number): (string | null)[] | null | string {
  const text = value.trim();
  if (text.length === 0) return null;
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return n >= 1 && n <= max ? Array<string | null>(n).fill(null) : `Give 1 to ${max} recipients.`;
  }
  const labels = text.split(',').map((l) => l.trim());
  if (labels.length > max) return `Give 1 to ${max} recipients.`;
  const seen = new Set<string>();
  for (const label of labels) {
    if (label.length === 0) return 'A recipient name is empty: check the commas.';
    if ([...label].length > MAX_RECIPIENT_LABEL_CHARS) return `The name "${label.slice(0, 20)}…" is longer than ${MAX_RECIPIENT_LABEL_CHARS} characters.`;
    if (/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(label) || hasLoneSurrogate(label)) return `The name "${label}" holds invisible or control characters.`;
    const folded = label.normalize('NFC').toUpperCase();
    if (seen.has(folded)) return `The name "${label}" is given twice: names must differ.`;
    seen.add(folded);
  }
  return labels;
}

function recipientsProblem(parsed: ReturnType<typeof parseRecipients>, input: HTMLInputElement): HTMLElement | null {
  if (typeof parsed !== 'string') return null;
  input.focus();
  return notice('error', 'Check the recipients.', h('p', { text: parsed }));
}

export interface CreateResult {
  share: string;
  /** Every recipient's link with its name (null: unnamed); empty for one recipient. */
  shares: { label: string | null; link: string }[];
  manage: string;
  expiresAt: string;
  maxViews: number;
  hasPassphrase: boolean;
  webhookSigningKey: string | null;
}

/** The whole creation: sealing (format/seal.ts), create call, encrypted upload. */
export async function createSecret(config: Config, input: CreateInput): Promise<CreateResult> {
  const sealed = await sealContent(config, input);
  try {
    const created = await api.create({
      manifest: sealed.manifest,
      accessVerifier: sealed.accessVerifier,
      passphrase: sealed.passphrase,
      expiresInSeconds: input.expiresInSeconds,
      maxViews: input.maxViews,
      streamBytes: sealed.streamBytes,
      ...(input.webhook ? { webhook: input.webhook } : {}),
      ...(sealed.recipients ? { recipients: sealed.recipients } : {}),
    });
    try {
      await sealed.upload(created.id, created.manageToken);
    } catch (e) {
      // A half-made secret is withdrawn whole (every recipient's link).
      await api.destroyAll(created.id, created.manageToken).catch(() => undefined);
      throw e;
    }
    const origin = window.location.origin;
    const links = created.recipients ?? [];
    if (sealed.recipients && links.length !== sealed.recipients.length) throw new Error('The server did not return one link per recipient.');
    return {
      share: sealed.shareLink(origin, links[0]?.id ?? created.id, 0),
      shares: links.map((l, i) => ({ label: sealed.recipients![i]!.label, link: sealed.shareLink(origin, l.id, i) })),
      manage: manageLink(origin, created.id, created.manageToken),
      expiresAt: created.expiresAt,
      maxViews: input.maxViews,
      hasPassphrase: sealed.passphrase !== null,
      webhookSigningKey: created.webhookSigningKey ?? null,
    };
  } finally {
    sealed.wipe();
  }
}

/** A recipient's name as the pages show it. */
export function recipientName(label: string | null, index: number): string {
  return label ?? `Recipient ${index + 1}`;
}

function showResult(r: CreateResult): void {
  const share = r.shares.length > 0
    ? h(
        'section',
        { class: 'panel panel-share', 'aria-labelledby': 'share-title' },
        h('h2', { id: 'share-title', text: 'Send each link to its recipient' }),
        h('p', {}, `Every recipient has a link of their own: send each one to that person only. Each can be opened ${r.maxViews === 1 ? 'once' : `${r.maxViews} times`}, until `, time(r.expiresAt), '.'),
        ...r.shares.map((s, i) => linkBox(`share-link-${i + 1}`, `Share link for ${recipientName(s.label, i)}`, s.link)),
        r.hasPassphrase ? notice('warning', 'Send the passphrase another way.', h('p', { text: 'For example by phone or in a different app than the links. Without it the links cannot be opened.' })) : null,
      )
    : h(
    'section',
    { class: 'panel panel-share', 'aria-labelledby': 'share-title' },
    h('h2', { id: 'share-title', text: 'Send this link' }),
    h('p', { text: `Send it to the person who needs the secret. It can be opened ${r.maxViews === 1 ? 'once' : `${r.maxViews} times`}, until ` }, time(r.expiresAt), '.'),
    linkBox('share-link', 'Share link', r.share),
    qrCode(r.share, 'QR code of the share link'),
    r.hasPassphrase ? notice('warning', 'Send the passphrase another way.', h('p', { text: 'For example by phone or in a different app than the link. Without it the link cannot be opened.' })) : null,
      );
  const manage = h(
    'section',
    { class: 'panel panel-manage', 'aria-labelledby': 'manage-title' },
    h('h2', { id: 'manage-title', text: 'Keep this link to yourself' }),
    h('p', { text: 'Do not send it. It shows whether the secret has been opened and lets you destroy it early.' }),
    linkBox('manage-link', 'Manage link', r.manage),
    h('p', {}, h('a', { href: r.manage, target: '_blank', rel: 'noopener noreferrer', text: 'Open the status page in a new tab' })),
    r.webhookSigningKey
      ? h(
          'div',
          {},
          h('p', { text: 'Your webhook receiver checks each notice with this signing key. It is shown only now: copy it.' }),
          linkBox('webhook-key', 'Webhook signing key', r.webhookSigningKey),
        )
      : null,
  );
  show(
    h('h1', { text: 'Your secret link is ready' }),
    h('p', { class: 'lead', text: 'The secret is encrypted and stored. Only the share link can open it.' }),
    share,
    manage,
    h('p', {}, h('a', { href: '/', class: 'button secondary', text: 'Share another secret' })),
  );
}
