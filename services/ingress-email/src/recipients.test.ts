import { describe, expect, it } from '@jest/globals';
import { inboxForRecipient } from './recipients.ts';

const SUPPORT = { id: 'a', config: { address: 'Support@Shop.example' } };
const SALES = { id: 'b', config: { address: 'sales@shop.example', replyDomain: 'r.shop.example' } };
const INBOXES = [SUPPORT, SALES];

describe('inboxForRecipient', () => {
  it.each([
    ['support@shop.example', SUPPORT],
    [' SALES@shop.example', SALES],
    ['reply+6bdc3f4d-0d7f-4c1b-9f43-1b2f5a0c9d11@shop.example', SUPPORT],
    ['reply+abc@R.shop.example', SALES],
    ['someone@shop.example', undefined],
    ['support@other.example', undefined],
    ['reply+abc@other.example', undefined],
  ])('%s', (address, expected) => {
    expect(inboxForRecipient(address, INBOXES)).toBe(expected);
  });
});
