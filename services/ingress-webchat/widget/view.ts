/** The widget's DOM: a launcher and a panel inside a shadow root, with stable `data-sb` hooks. */
import type { Attachment } from './api.ts';
import { CHAT_ICON, CLIP_ICON, h, icon } from './dom.ts';
import { CSS } from './styles.ts';

export interface View {
  host: HTMLElement;
  launcher: HTMLButtonElement;
  badge: HTMLElement;
  panel: HTMLElement;
  closeButton: HTMLButtonElement;
  callbackOpen: HTMLButtonElement;
  position: HTMLElement;
  messages: HTMLOListElement;
  typing: HTMLElement;
  notice: HTMLElement;
  composer: HTMLFormElement;
  input: HTMLTextAreaElement;
  fileButton: HTMLButtonElement;
  fileInput: HTMLInputElement;
  send: HTMLButtonElement;
  /** Where the offline and callback forms go. */
  forms: HTMLElement;
}

export function buildView(title: string): View {
  const host = h('div', { 'data-switchboard-chat': true });
  const shadow = host.attachShadow({ mode: 'open' });
  const badge = h('span', { class: 'badge', 'data-sb': 'badge', hidden: true });
  const launcher = h('button', { type: 'button', class: 'launcher', 'data-sb': 'launcher', 'aria-label': `Open chat: ${title}`, 'aria-expanded': 'false' }, icon(CHAT_ICON), badge);
  const closeButton = h('button', { type: 'button', class: 'close', 'aria-label': 'Close chat' }, '×');
  const callbackOpen = h('button', { type: 'button', 'data-sb': 'callback-open', hidden: true }, 'Request a call back');
  const position = h('div', { class: 'info', 'data-sb': 'position', role: 'status', hidden: true });
  const messages = h('ol', { class: 'messages', 'data-sb': 'messages', role: 'log', 'aria-live': 'polite', 'aria-label': 'Messages' });
  const typing = h('div', { class: 'typing', 'data-sb': 'typing', 'aria-live': 'polite', hidden: true }, 'Agent is typing…');
  const notice = h('div', { class: 'notice', 'data-sb': 'notice', role: 'status', hidden: true });
  const input = h('textarea', { id: 'sb-input', 'data-sb': 'input', rows: '1', placeholder: 'Write a message…', maxlength: '4000' });
  const fileInput = h('input', { type: 'file', hidden: true, tabindex: '-1' });
  const fileButton = h('button', { type: 'button', class: 'file', 'data-sb': 'file', 'aria-label': 'Attach a file', hidden: true }, icon(CLIP_ICON));
  const send = h('button', { type: 'submit', 'data-sb': 'send' }, 'Send');
  const composer = h('form', { class: 'composer' }, h('label', { for: 'sb-input', class: 'sr' }, 'Your message'), input, fileInput, fileButton, send);
  const forms = h('div');
  const panel = h(
    'section',
    { class: 'panel', 'data-sb': 'panel', role: 'dialog', 'aria-label': title, hidden: true },
    h('header', { class: 'head' }, h('h2', {}, title), callbackOpen, closeButton),
    position,
    messages,
    typing,
    notice,
    forms,
    composer,
  );
  shadow.append(h('style', {}, CSS), h('div', { class: 'root' }, panel, launcher));
  return { host, launcher, badge, panel, closeButton, callbackOpen, position, messages, typing, notice, composer, input, fileButton, fileInput, send, forms };
}

/** One bubble; `href` turns an attachment into a download link (http(s) only). */
export function messageElement(
  direction: 'in' | 'out',
  text: string | null,
  attachments: Attachment[] = [],
  href: (url: string) => string | undefined = () => undefined,
): HTMLLIElement {
  const li = h('li', { class: 'message', 'data-sb': 'message', 'data-direction': direction });
  if (text) li.append(document.createTextNode(text));
  for (const file of attachments) {
    const url = href(file.url);
    li.append(url ? h('a', { href: url, target: '_blank', rel: 'noopener noreferrer', download: file.fileName }, file.fileName) : h('span', {}, file.fileName));
  }
  return li;
}

export function setNotice(view: View, text: string | undefined, kind: 'info' | 'error' = 'info'): void {
  view.notice.textContent = text ?? '';
  view.notice.dataset.kind = kind;
  view.notice.hidden = !text;
}

/** "You are #3, about 2 min", or "You are #1" without an estimate. */
export function positionText(position: number, estimatedWaitS: number | null): string {
  if (estimatedWaitS === null) return `You are #${position}`;
  return `You are #${position}, about ${Math.max(1, Math.round(estimatedWaitS / 60))} min`;
}
