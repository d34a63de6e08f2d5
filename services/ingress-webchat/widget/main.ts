/**
 * widget.js: the embeddable web chat. Speaks docs/webchat-protocol.md with ingress-webchat.
 *   <script src="https://chat.example.com/widget.js" data-inbox="INBOX_ID" async></script>
 * `data-locale` (e.g. "pt-BR") states the visitor's locale; without it the browser's language is sent.
 */
import { createApi, newClientId, type Identity, type Settings } from './api.ts';
import { createChat } from './chat.ts';
import { callbackForm, offlineForm } from './forms.ts';
import { buildView, setNotice, type View } from './view.ts';

declare global {
  interface Window {
    SwitchboardChat?: { open(): void; close(): void };
  }
}

// only set while this script's top level runs: read it now
const script = (document.currentScript ?? document.querySelector('script[data-inbox]')) as HTMLScriptElement | null;

function boot(tag: HTMLScriptElement): void {
  const data = tag.dataset;
  const inboxId = data.inbox;
  if (!inboxId) return void console.error('Switchboard chat: the script tag needs data-inbox');
  const base = (data.baseUrl || new URL(tag.src, location.href).origin).replace(/\/+$/, '');
  const identity: Identity | undefined = data.userId && data.userSignature
    ? { userId: data.userId, signature: data.userSignature, ...(data.userName && { name: data.userName }), ...(data.userEmail && { email: data.userEmail }) }
    : undefined;
  // the visitor's stated locale: the site's, else the browser's; the server keeps it only if it parses
  const locale = data.locale || navigator.language;
  const profile = { ...(data.userName && { name: data.userName }), ...(data.userEmail && { email: data.userEmail }), ...(locale && { locale }) };

  const api = createApi({ base, inboxId, ...(identity && { identity }) });
  const view = buildView(data.title || 'Chat with us');
  const chat = createChat(api, view, profile);
  document.body.append(view.host);

  let settings: Settings = { online: true, offlineReason: null };
  const error = (message: string) => setNotice(view, message, 'error');

  function setOpen(open: boolean): void {
    view.panel.hidden = !open;
    view.launcher.setAttribute('aria-expanded', String(open));
    chat.setOpen(open);
    if (open && !view.composer.hidden) view.input.focus();
  }

  /** Swaps the chat for a form (offline, callback) and back. */
  function showForm(form: HTMLFormElement | undefined): void {
    view.forms.replaceChildren(...(form ? [form] : []));
    view.composer.hidden = form !== undefined;
    view.messages.hidden = form !== undefined && !settings.online;
    view.callbackOpen.hidden = form !== undefined || !settings.callback?.enabled;
  }

  function applySettings(next: Settings): void {
    settings = next;
    view.fileButton.hidden = !next.uploads || next.uploads.maxBytes <= 0;
    if (next.uploads && next.uploads.allowedTypes.length > 0) view.fileInput.accept = next.uploads.allowedTypes.join(',');
    if (!next.online) {
      showForm(offlineForm(next.offlineReason, async (input) => {
        await api.offline({ clientMessageId: newClientId(), ...input });
        showForm(undefined);
        view.composer.hidden = true;
        setNotice(view, 'Thank you! We received your message and will get back to you.');
      }, error));
    } else {
      showForm(undefined);
    }
  }

  view.launcher.addEventListener('click', () => setOpen(view.panel.hidden));
  view.closeButton.addEventListener('click', () => setOpen(false));
  view.panel.addEventListener('keydown', (event) => event.key === 'Escape' && setOpen(false));
  view.composer.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = view.input.value.trim();
    if (!text) return;
    view.input.value = '';
    chat.send(text);
  });
  view.input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      view.composer.requestSubmit();
    }
  });
  view.callbackOpen.addEventListener('click', () => {
    setNotice(view, undefined);
    showForm(callbackForm(async (input) => {
      await api.callback({ clientRequestId: newClientId(), ...input });
      showForm(undefined);
      setNotice(view, 'Thank you! We will call you back.');
    }, () => showForm(undefined), error));
  });
  view.fileButton.addEventListener('click', () => view.fileInput.click());
  view.fileInput.addEventListener('change', () => {
    const file = view.fileInput.files?.[0];
    view.fileInput.value = '';
    if (file) void upload(view, file);
  });

  async function upload(v: View, file: File): Promise<void> {
    const limits = settings.uploads;
    if (!limits) return;
    // checked here so a visitor is not kept waiting for an upload the server will refuse anyway
    if (file.size > limits.maxBytes) return error(`That file is too large (max ${Math.floor(limits.maxBytes / 1048576)} MB).`);
    if (limits.allowedTypes.length > 0 && !limits.allowedTypes.some((t) => typeMatches(t, file.type))) return error('That type of file cannot be sent here.');
    setNotice(v, `Uploading ${file.name}…`);
    try {
      const uploaded = await api.upload(file);
      setNotice(v, undefined);
      chat.send(v.input.value.trim(), [{ token: uploaded.uploadToken, fileName: uploaded.fileName }]);
      v.input.value = '';
    } catch {
      error(`Could not upload ${file.name}. Please try again.`);
    }
  }

  window.SwitchboardChat = { open: () => setOpen(true), close: () => setOpen(false) };
  api.settings().then(applySettings, () => applySettings(settings));
  // a signed-in user may have talked to us on another device: their session shows that history now
  if (identity && !api.hasSession()) api.session().then(() => chat.resume(), () => undefined);
  else chat.resume();
}

function typeMatches(allowed: string, type: string): boolean {
  return allowed.endsWith('/*') ? type.startsWith(allowed.slice(0, -1)) : allowed === type;
}

if (script) {
  if (document.body) boot(script);
  else document.addEventListener('DOMContentLoaded', () => boot(script), { once: true });
}
