/** The offline form (nobody can answer now) and the call-back request form. */
import { field, h, valueOf } from './dom.ts';

export interface OfflineInput {
  name: string;
  email?: string;
  phone?: string;
  message: string;
}

export interface CallbackInput {
  name: string;
  phone: string;
  preferredTime?: string;
}

type Submit<T> = (input: T) => Promise<void>;

/** Runs the submit once at a time; a failure re-enables the form and says why. */
function wire<T>(form: HTMLFormElement, read: () => T | string, submit: Submit<T>, error: (message: string) => void): void {
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const input = read();
    if (typeof input === 'string') return error(input);
    const button = form.querySelector('button[type=submit]') as HTMLButtonElement;
    button.disabled = true;
    submit(input)
      .catch(() => error('Sorry, that did not go through. Please try again.'))
      .finally(() => (button.disabled = false));
  });
}

export function offlineForm(reason: string | null, submit: Submit<OfflineInput>, error: (message: string) => void): HTMLFormElement {
  const intro = reason === 'outside_business_hours'
    ? 'We are closed right now. Leave a message and we will get back to you.'
    : 'Nobody is available right now. Leave a message and we will get back to you.';
  const form = h(
    'form',
    { class: 'form', 'data-sb': 'offline-form', novalidate: true },
    h('p', {}, intro),
    field('Name', 'name', { required: true, autocomplete: 'name', maxlength: '200' }),
    field('Email', 'email', { type: 'email', autocomplete: 'email', maxlength: '320' }),
    field('Phone', 'phone', { type: 'tel', autocomplete: 'tel', maxlength: '40' }),
    field('Message', 'message', { required: true, maxlength: '4000' }, true),
    h('button', { type: 'submit' }, 'Send message'),
  );
  wire(form, () => {
    const input = { name: valueOf(form, 'name'), email: valueOf(form, 'email'), phone: valueOf(form, 'phone'), message: valueOf(form, 'message') };
    if (!input.name || !input.message) return 'Please fill in your name and a message.';
    if (!input.email && !input.phone) return 'Please give an email address or a phone number.';
    return { name: input.name, message: input.message, ...(input.email && { email: input.email }), ...(input.phone && { phone: input.phone }) };
  }, submit, error);
  return form;
}

export function callbackForm(submit: Submit<CallbackInput>, cancel: () => void, error: (message: string) => void): HTMLFormElement {
  const cancelButton = h('button', { type: 'button', class: 'cancel' }, 'Back to chat');
  cancelButton.addEventListener('click', cancel);
  const form = h(
    'form',
    { class: 'form', 'data-sb': 'callback-form', novalidate: true },
    h('p', {}, 'Leave your number and we will call you back.'),
    field('Name', 'name', { required: true, autocomplete: 'name', maxlength: '200' }),
    field('Phone', 'phone', { type: 'tel', required: true, autocomplete: 'tel', maxlength: '40' }),
    field('Preferred time (optional)', 'preferredTime', { maxlength: '200', placeholder: 'e.g. today after 3 pm' }),
    h('button', { type: 'submit' }, 'Request call'),
    cancelButton,
  );
  wire(form, () => {
    const input = { name: valueOf(form, 'name'), phone: valueOf(form, 'phone'), preferredTime: valueOf(form, 'preferredTime') };
    if (!input.name || !input.phone) return 'Please fill in your name and phone number.';
    return { name: input.name, phone: input.phone, ...(input.preferredTime && { preferredTime: input.preferredTime }) };
  }, submit, error);
  return form;
}
