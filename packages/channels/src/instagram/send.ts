import type { Sender } from '../contract.ts';
import { createMetaSendApiSender, type MetaSenderDeps } from '../messenger/send.ts';
import { INSTAGRAM_MAX_TEXT_LENGTH } from './adapter.ts';

export type InstagramSenderDeps = MetaSenderDeps;

/**
 * Instagram replies: the Messenger Send API (`/me/messages` with the page token of the page
 * linked to the account, recipient = IGSID), 1000 characters per message. Instagram-login apps
 * set `apiRoot: https://graph.instagram.com` and an Instagram user token instead.
 */
export function createInstagramSender(deps: InstagramSenderDeps = {}): Sender {
  return createMetaSendApiSender('instagram', INSTAGRAM_MAX_TEXT_LENGTH, deps);
}

