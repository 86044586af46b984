// Small DOM helpers: elements are built with properties, never from HTML strings, so nothing a
// secret contains can become markup, and no inline style or script is ever produced.

type Child = Node | string | null | undefined | false;
type Props = Record<string, string | number | boolean | null | undefined | EventListener>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (key === 'class') {
      el.className = String(value);
    } else if (key === 'text') {
      el.textContent = String(value);
    } else if (key === 'selected' && tag === 'option') {
      // The selected attribute (defaultSelected), not only the current selectedness: assistive
      // technology and a form reset both see which choice is the default.
      (el as HTMLOptionElement).defaultSelected = true;
    } else if (key in el && !key.includes('-') && key !== 'list' && key !== 'for') {
      (el as unknown as Record<string, unknown>)[key] = value;
    } else {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

/** Replaces the page's content and moves focus to its heading, for screen readers and keyboards. */
export function show(...nodes: Node[]): void {
  const main = document.getElementById('main')!;
  main.replaceChildren(...nodes);
  const heading = main.querySelector('h1');
  if (heading) {
    heading.tabIndex = -1;
    heading.focus();
    document.title = `${heading.textContent ?? ''} · Parley`;
  }
}

export function formatBytes(n: number): string {
  if (n < 1000) return `${n} byte${n === 1 ? '' : 's'}`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = -1;
  do {
    v /= 1000;
    u++;
  } while (v >= 1000 && u < units.length - 1);
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[u]}`;
}

export function formatTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** A time element with a readable local time and the exact UTC time as machine value. */
export function time(iso: string): HTMLTimeElement {
  return h('time', { dateTime: iso, title: iso, text: formatTime(iso) });
}

export function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** A message box. `kind` chooses its colour and role: errors are announced at once. */
export function notice(kind: 'error' | 'warning' | 'info' | 'success', title: string, ...body: Child[]): HTMLElement {
  return h(
    'div',
    { class: `notice notice-${kind}`, role: kind === 'error' ? 'alert' : 'status' },
    h('p', { class: 'notice-title', text: title }),
    ...body,
  );
}

/** A button that copies `value()` to the clipboard and says so. */
export function copyButton(label: string, value: () => string, describedBy?: string): HTMLElement {
  const status = h('span', { class: 'copy-status', role: 'status' });
  const button = h('button', {
    type: 'button',
    class: 'button secondary',
    text: label,
    'aria-describedby': describedBy,
    onclick: (async () => {
      try {
        await navigator.clipboard.writeText(value());
        status.textContent = 'Copied.';
      } catch {
        status.textContent = 'Copying failed: select the text and copy it yourself.';
      }
      setTimeout(() => (status.textContent = ''), 4000);
    }) as EventListener,
  });
  return h('span', { class: 'copy' }, button, status);
}

/** A named field: label, control and an optional hint tied together for assistive technology. */
export function field(id: string, label: string, control: HTMLElement, hint?: string | Node): HTMLElement {
  control.id = id;
  const hintEl = hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'field' }, h('label', { for: id, text: label }), control, hintEl);
}

/**
 * A danger button that asks before it acts: the first click shows `question` with a confirm and a
 * keep button; only the confirm runs `act`. A failure of `act` is shown in the box by `failed`.
 */
export function confirmButton(
  label: string,
  question: string,
  confirmLabel: string,
  act: () => Promise<void>,
  failed: (e: unknown) => HTMLElement,
): { button: HTMLButtonElement; box: HTMLElement } {
  const button = h('button', { type: 'button', class: 'button danger', text: label });
  const box = h('div', { class: 'confirm', hidden: true });
  const yes = h('button', { type: 'button', class: 'button danger', text: confirmLabel });
  const no = h('button', { type: 'button', class: 'button secondary', text: 'Keep it' });
  box.append(h('p', { text: question }), yes, no);
  button.addEventListener('click', () => {
    box.hidden = false;
    no.focus();
  });
  no.addEventListener('click', () => {
    box.hidden = true;
    button.focus();
  });
  yes.addEventListener('click', () => {
    void (async () => {
      yes.disabled = true;
      try {
        await act();
      } catch (e) {
        box.replaceChildren(failed(e));
      }
    })();
  });
  return { button, box };
}

export interface SubmitOptions {
  form: HTMLFormElement;
  submit: HTMLButtonElement;
  /** Where problems are shown. */
  error: HTMLElement;
  /** Checked first: a notice to show instead of submitting, or null. */
  check?: () => HTMLElement | null;
  work: () => Promise<void>;
  /** What to show in `error` when `work` throws, or null when it handled the failure itself. */
  failed: (e: unknown) => HTMLElement | null;
}

/** Submits a form once at a time: the button is disabled and the form marked busy while `work` runs; after a failure the form is usable again. */
export function onSubmit(o: SubmitOptions): void {
  o.form.addEventListener('submit', (e) => {
    e.preventDefault();
    void (async () => {
      o.error.replaceChildren();
      const problem = o.check?.() ?? null;
      if (problem) {
        o.error.replaceChildren(problem);
        return;
      }
      o.submit.disabled = true;
      o.form.setAttribute('aria-busy', 'true');
      try {
        await o.work();
      } catch (err) {
        const shown = o.failed(err);
        if (shown) o.error.replaceChildren(shown);
        o.submit.disabled = false;
        o.form.removeAttribute('aria-busy');
      }
    })();
  });
}
