import { badRequest } from '@switchboard/errors';

/** Where a page of conversations ended: newest first, so the next page is strictly older. */
export interface ConversationCursor {
  /** ISO-8601 with microseconds, as PostgreSQL stores it. */
  updatedAt: string;
  id: string;
}

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function encodeCursor(cursor: ConversationCursor): string {
  return Buffer.from(`${cursor.updatedAt}|${cursor.id}`, 'utf8').toString('base64url');
}

/** Opaque to clients; anything we did not issue is a 400, never a database error. */
export function decodeCursor(value: string): ConversationCursor {
  const [updatedAt, id, ...rest] = Buffer.from(value, 'base64url').toString('utf8').split('|');
  if (rest.length || !updatedAt || !id || !TIMESTAMP.test(updatedAt) || !UUID.test(id) || Number.isNaN(Date.parse(updatedAt))) {
    throw badRequest('invalid_cursor', 'query.cursor: not a cursor returned by this API', [{ path: 'query.cursor', message: 'not a cursor returned by this API' }]);
  }
  return { updatedAt, id };
}
