/** The conversation: history, optimistic sends, live replies, typing and the queue position. */
import { ApiError, newClientId, type Api, type Message } from './api.ts';
import { h } from './dom.ts';
import { startLive, type Live, type LiveFrame } from './live.ts';
import { surveyElement } from './survey.ts';
import { messageElement, positionText, setNotice, type View } from './view.ts';

const PAGE = 100;
const POSITION_POLL_MS = 3_000;
const TYPING_EVERY_MS = 2_000;
const TYPING_SHOWN_MS = 6_000;
/** Right after a send the router may not have opened the conversation yet (404 no_conversation). */
const POSITION_MISSES_AFTER_SEND = 5;

type SendBody = { clientMessageId: string; text?: string; attachments?: string[]; name?: string; email?: string; locale?: string };

export interface Chat {
  /** Loads history and goes live when this browser already has a session. */
  resume(): void;
  send(text: string, attachments?: { token: string; fileName: string }[]): void;
  setOpen(open: boolean): void;
}

export function createChat(api: Api, view: View, profile: { name?: string; email?: string; locale?: string }): Chat {
  const shown = new Map<string, HTMLElement>();
  const pending = new Map<string, { el: HTMLElement; body: SendBody }>();
  let lastSeq = 0;
  let loaded = false;
  let isOpen = false;
  let unread = 0;
  let visitor: string | undefined;
  let live: Live | undefined;
  let syncing: Promise<void> | undefined;
  let syncAgain = false;
  let positionTimer: ReturnType<typeof setTimeout> | undefined;
  let typingTimer: ReturnType<typeof setTimeout> | undefined;
  let typingSentAt = 0;

  const href = (url: string) => {
    const link = api.fileUrl(url);
    return /^https?:/.test(link) ? link : undefined;
  };
  const scroll = () => (view.messages.scrollTop = view.messages.scrollHeight);
  const renderBadge = () => {
    view.badge.textContent = String(unread);
    view.badge.hidden = unread === 0;
    view.launcher.setAttribute('aria-label', unread ? `Open chat (${unread} new)` : 'Open chat');
  };

  /** A 401 anywhere made a new session: what we knew about the old visitor no longer applies. */
  function sessionChanged(): boolean {
    const now = api.visitorId();
    if (now === visitor) return false;
    const hadOne = visitor !== undefined;
    visitor = now;
    lastSeq = 0;
    if (hadOne && live) {
      live.stop();
      live = undefined;
      goLive();
    }
    return hadOne;
  }

  function place(el: HTMLElement, seq: number | undefined): void {
    if (seq !== undefined) {
      for (const child of Array.from(view.messages.children) as HTMLElement[]) {
        if (child.dataset.seq && Number(child.dataset.seq) > seq) return void view.messages.insertBefore(el, child);
      }
    }
    view.messages.append(el);
  }

  function add(message: Message, fresh: boolean): void {
    if (shown.has(message.id)) return;
    const el = messageElement(message.direction, message.text, message.attachments, href);
    el.dataset.id = message.id;
    if (message.seq !== undefined) el.dataset.seq = String(message.seq);
    // our own optimistic bubble comes back with its clientMessageId: replace it, do not add another
    const mine = message.clientMessageId ? pending.get(message.clientMessageId) : undefined;
    if (mine) {
      pending.delete(message.clientMessageId!);
      mine.el.remove();
    }
    shown.set(message.id, el);
    place(el, message.seq);
    if (message.survey) el.after(surveyElement(message.survey, async (body) => void (await api.survey(body))));
    if (message.direction === 'out') {
      showTyping(false);
      if (fresh && !isOpen) {
        unread++;
        renderBadge();
      }
    }
    scroll();
  }

  async function sync(): Promise<void> {
    if (!api.hasSession()) return;
    if (syncing) {
      syncAgain = true;
      return syncing;
    }
    syncing = (async () => {
      do {
        syncAgain = false;
        try {
          for (;;) {
            const { items } = await api.messages(lastSeq);
            if (sessionChanged()) continue;
            for (const message of items) {
              add(message, loaded);
              if (message.seq !== undefined && message.seq > lastSeq) lastSeq = message.seq;
            }
            if (items.length < PAGE) break;
          }
          loaded = true;
        } catch {
          // the next reconnect or poll tries again
        }
      } while (syncAgain);
    })().finally(() => (syncing = undefined));
    return syncing;
  }

  function onFrame(frame: LiveFrame): void {
    if (frame.type === 'message' && frame.message) add({ ...frame.message, direction: frame.message.direction ?? 'out' }, true);
    else if (frame.type === 'typing') showTyping(frame.typing === true);
    else if (frame.type === 'survey' && frame.message && frame.survey) add({ ...frame.message, direction: 'out', survey: frame.survey }, true);
  }

  function goLive(): void {
    live ??= startLive({ url: api.socketUrl, sync: () => void sync(), onFrame, onNewSession: api.dropSession });
  }

  function showTyping(on: boolean): void {
    clearTimeout(typingTimer);
    view.typing.hidden = !on;
    if (on) typingTimer = setTimeout(() => (view.typing.hidden = true), TYPING_SHOWN_MS);
  }

  function visitorTyping(typing: boolean): void {
    const now = Date.now();
    if (typing && now - typingSentAt < TYPING_EVERY_MS) return;
    if (!typing && typingSentAt === 0) return;
    live?.send({ type: 'typing', typing });
    typingSentAt = typing ? now : 0;
  }

  function pollPosition(misses = 0): void {
    clearTimeout(positionTimer);
    if (!api.hasSession()) return;
    const again = (m: number) => (positionTimer = setTimeout(() => pollPosition(m), POSITION_POLL_MS));
    api.position().then(
      (p) => {
        const queued = p.routingState === 'queued' && p.position !== null;
        view.position.textContent = queued ? positionText(p.position!, p.estimatedWaitS) : '';
        view.position.hidden = !queued;
        // an offer that lapses puts the conversation back in line
        if (p.routingState === 'queued' || p.routingState === 'offered') again(0);
      },
      (error: unknown) => {
        view.position.hidden = true;
        const notYet = error instanceof ApiError && error.status === 404;
        if (!notYet || misses > 0) again(Math.max(0, misses - 1));
      },
    );
  }

  async function deliver(clientMessageId: string): Promise<void> {
    const item = pending.get(clientMessageId);
    if (!item) return;
    item.el.dataset.state = 'pending';
    item.el.querySelector('.retry')?.remove();
    try {
      // a retry reuses the clientMessageId, so the server stores the message once
      await api.send(item.body);
      sessionChanged();
      delete item.el.dataset.state;
      goLive();
      pollPosition(POSITION_MISSES_AFTER_SEND);
    } catch {
      item.el.dataset.state = 'failed';
      const retry = h('button', { type: 'button', class: 'retry' }, 'Not sent. Retry');
      retry.addEventListener('click', () => void deliver(clientMessageId));
      item.el.append(retry);
    }
  }

  view.input.addEventListener('input', () => view.input.value && visitorTyping(true));
  view.input.addEventListener('blur', () => visitorTyping(false));

  return {
    resume() {
      if (!api.hasSession()) return;
      visitor = api.visitorId();
      void sync().then(() => pollPosition());
      goLive();
    },
    send(text, attachments = []) {
      visitorTyping(false);
      setNotice(view, undefined);
      const clientMessageId = newClientId();
      const body: SendBody = {
        clientMessageId,
        ...(text && { text }),
        ...(attachments.length > 0 && { attachments: attachments.map((a) => a.token) }),
        ...profile,
      };
      const el = messageElement('in', text || null, attachments.map((a) => ({ fileName: a.fileName, contentType: '', size: 0, url: '' })));
      view.messages.append(el);
      pending.set(clientMessageId, { el, body });
      scroll();
      void deliver(clientMessageId);
    },
    setOpen(open) {
      isOpen = open;
      if (open) {
        unread = 0;
        renderBadge();
        scroll();
      }
    },
  };
}
