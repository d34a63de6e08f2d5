import { z } from 'zod';
import { CountryCode } from '@switchboard/contracts';
import {
  activeMergeOf,
  countOpenConversations,
  createContact,
  deleteContact,
  getContact,
  getMerge,
  listContacts,
  listIdentities,
  listMerges,
  lockContactsForWrite,
  mergeContacts,
  undoMerge,
  updateContact,
  withTransaction,
  type Contact,
  type Queryable,
} from '@switchboard/db';
import { conflict, notFound } from '@switchboard/errors';
import { principalOf, requireRole } from '../auth.ts';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import type { ApiDeps, ZodApp } from '../deps.ts';
import { invalidField } from '../error-handler.ts';
import { ContactDetailDto, ContactDto, contactExample, ContactMergeDto, errorResponses, EXAMPLE_IDS, IdParams } from '../schemas.ts';

/**
 * Contacts. Reads: agents see the contacts of conversations they can see, supervisors and
 * admins all. Writes (create, edit, merge, undo) are for supervisors and admins; deleting a
 * contact, which deletes its conversation history, for admins only.
 */

const MAX_ATTRIBUTES = 50;

const Name = z.string().trim().min(1).max(200);
const Email = z.email().max(320);
const Phone = z
  .string()
  .trim()
  .regex(/^\+?[0-9][0-9 ()./-]{2,31}$/, 'a phone number: digits, optionally a leading + and spaces, dots, dashes or brackets');
const Attributes = z
  .record(z.string().min(1).max(100), z.union([z.string().max(2000), z.number(), z.boolean(), z.null()]))
  .refine((a) => Object.keys(a).length <= MAX_ATTRIBUTES, `at most ${MAX_ATTRIBUTES} attributes`);

/** Set by a person: stored with source `admin`, which no phone number or locale overwrites. */
const Country = CountryCode.describe('ISO 3166-1 alpha-2 in capitals; stored as set by an admin (country_source admin)');

const CreateBody = z
  .object({ name: Name.optional(), email: Email.optional(), phone: Phone.optional(), country: Country.optional(), attributes: Attributes.optional() })
  .refine((b) => b.name !== undefined || b.email !== undefined || b.phone !== undefined, {
    path: ['name'],
    message: 'a contact needs a name, an email or a phone',
  })
  .meta({ examples: [{ name: 'Анна Смирнова', email: 'anna.smirnova@example.ru', phone: '+79161234567', attributes: { vip: true, city: 'Москва' } }] });

const PatchBody = z
  .object({
    name: Name.nullable().optional(),
    email: Email.nullable().optional(),
    phone: Phone.nullable().optional(),
    country: Country.nullable().optional().describe('null clears it; the next phone number or locale the customer sends may then fill it'),
    attributes: Attributes.optional().describe('merged into the stored attributes; a key set to null is removed'),
  })
  .refine((b) => Object.values(b).some((v) => v !== undefined), { path: ['name'], message: 'nothing to change' })
  .meta({ examples: [{ email: null, phone: '+79161234567', country: 'RU', attributes: { vip: true, loyaltyTier: 'gold', legacyId: null } }] });

const ListQuery = z.object({
  q: z.string().trim().min(1).max(200).optional().describe('part of a name, email or phone (digits match whatever the punctuation), or an exact external id or username'),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(200).optional().describe('nextCursor of the previous page'),
});

const Page = z
  .object({ items: z.array(ContactDto), nextCursor: z.string().nullable().describe('null on the last page') })
  .meta({ examples: [{ items: [contactExample], nextCursor: null }] });
const MergeBody = z
  .object({ fromContactId: z.uuid().describe('the contact merged away; its identities and conversations move to {id}') })
  .meta({ examples: [{ fromContactId: EXAMPLE_IDS.mergedContact }] });
const MergeParams = z.object({ mergeId: z.uuid() });

async function detail(db: Queryable, contact: Contact) {
  return { ...contact, identities: await listIdentities(db, contact.id) };
}

const mergedAway = (contact: Contact) =>
  conflict('contact_merged', `contact ${contact.id} was merged into ${contact.mergedIntoId}; use that one, or undo the merge`);

export function registerContactRoutes(deps: ApiDeps, app: ZodApp): void {
  app.get(
    '/contacts',
    {
      schema: {
        tags: ['contacts'],
        summary: 'Contacts you may see (agents: those of conversations you can see), newest first; merged contacts are left out',
        querystring: ListQuery,
        response: { 200: Page, ...errorResponses(400) },
      },
    },
    async (request) => {
      const { q, limit, cursor } = request.query;
      const position = cursor ? decodeCursor(cursor) : undefined;
      const rows = await listContacts(deps.pool, principalOf(request), {
        q,
        limit,
        cursor: position && { createdAt: position.updatedAt, id: position.id },
      });
      const last = rows.length === limit ? rows.at(-1) : undefined;
      return { items: rows, nextCursor: last ? encodeCursor({ updatedAt: last.position, id: last.id }) : null };
    },
  );

  app.get(
    '/contacts/:id',
    {
      schema: {
        tags: ['contacts'],
        summary: 'One contact with its identities (one per inbox account it wrote from)',
        params: IdParams,
        response: { 200: ContactDetailDto, ...errorResponses(404) },
      },
    },
    async (request) => {
      const contact = await getContact(deps.pool, request.params.id, principalOf(request));
      if (!contact) throw notFound('contact');
      return detail(deps.pool, contact);
    },
  );

  app.post(
    '/contacts',
    {
      onRequest: requireRole('supervisor'),
      schema: {
        tags: ['contacts'],
        summary: 'Create a contact (supervisor); identities come from the channels when the customer writes',
        body: CreateBody,
        response: { 201: ContactDetailDto, ...errorResponses(400, 403) },
      },
    },
    async (request, reply) => {
      const contact = await createContact(deps.pool, request.body);
      return reply.code(201).send(await detail(deps.pool, contact));
    },
  );

  app.patch(
    '/contacts/:id',
    {
      onRequest: requireRole('supervisor'),
      schema: {
        tags: ['contacts'],
        summary: "Change a contact's name, email, phone, country or attributes (supervisor); null clears a field",
        params: IdParams,
        body: PatchBody,
        response: { 200: ContactDetailDto, ...errorResponses(400, 403, 404, 409) },
      },
    },
    async (request) => {
      const existing = await getContact(deps.pool, request.params.id);
      if (!existing) throw notFound('contact');
      if (existing.mergedIntoId) throw mergedAway(existing);
      const contact = await updateContact(deps.pool, existing.id, request.body);
      if (!contact) throw notFound('contact');
      return detail(deps.pool, contact);
    },
  );

  app.delete(
    '/contacts/:id',
    {
      onRequest: requireRole('admin'),
      schema: {
        tags: ['contacts'],
        summary: 'Delete a contact with its identities and resolved conversations (admin); refused while a conversation is open',
        description: 'Conflicts: `contact_has_open_conversations` (resolve them first), `contact_merged` (a merged contact goes with the one it was merged into).',
        params: IdParams,
        response: { 204: z.null().describe('deleted'), ...errorResponses(403, 404, 409) },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      await withTransaction(deps.pool, async (tx) => {
        const contact = (await lockContactsForWrite(tx, [id])).get(id);
        if (!contact) throw notFound('contact');
        if (contact.mergedIntoId) throw mergedAway(contact);
        const open = await countOpenConversations(tx, id);
        if (open > 0) throw conflict('contact_has_open_conversations', `the contact has ${open} conversation(s) not yet resolved; resolve them first`);
        await deleteContact(tx, id, principalOf(request).agentId);
      });
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/contacts/:id/merge',
    {
      onRequest: requireRole('supervisor'),
      schema: {
        tags: ['contacts'],
        summary: 'Merge another contact into this one (supervisor): its identities and conversations move here; undoable',
        description:
          'Empty fields of this contact are filled from the other, which remains as a tombstone (`mergedIntoId`). ' +
          'Each conversation keeps replying through the identity it arrived on. 200 when this exact merge is already in effect. ' +
          'Conflicts: `contact_merged` (either contact is itself merged away).',
        params: IdParams,
        body: MergeBody,
        response: { 200: ContactMergeDto, 201: ContactMergeDto, ...errorResponses(400, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const intoId = request.params.id;
      const { fromContactId } = request.body;
      if (fromContactId === intoId) throw invalidField('body.fromContactId', 'must name another contact than the one merged into');
      const outcome = await withTransaction(deps.pool, async (tx) => {
        const locked = await lockContactsForWrite(tx, [intoId, fromContactId]);
        const into = locked.get(intoId);
        const from = locked.get(fromContactId);
        if (!into) throw notFound('contact');
        if (!from) throw invalidField('body.fromContactId', 'no such contact');
        if (from.mergedIntoId === into.id) {
          const existing = await activeMergeOf(tx, from.id);
          if (existing) return { merge: existing, created: false };
        }
        if (into.mergedIntoId) throw mergedAway(into);
        if (from.mergedIntoId) throw mergedAway(from);
        return { merge: await mergeContacts(tx, into, from, principalOf(request).agentId), created: true };
      });
      return reply.code(outcome.created ? 201 : 200).send(outcome.merge);
    },
  );

  app.get(
    '/contacts/:id/merges',
    {
      onRequest: requireRole('supervisor'),
      schema: {
        tags: ['contacts'],
        summary: 'Merges into and out of a contact, newest first (supervisor): who, when, what moved, undone or not',
        params: IdParams,
        response: { 200: z.array(ContactMergeDto), ...errorResponses(403, 404) },
      },
    },
    async (request) => {
      if (!(await getContact(deps.pool, request.params.id))) throw notFound('contact');
      return listMerges(deps.pool, request.params.id);
    },
  );

  app.post(
    '/contacts/merges/:mergeId/undo',
    {
      onRequest: requireRole('supervisor'),
      schema: {
        tags: ['contacts'],
        summary: 'Undo a merge (supervisor): exactly what moved goes back, with conversations opened since on a moved identity',
        description:
          'Idempotent: undoing an undone merge answers it as it is. ' +
          'Conflicts: `merge_superseded` (the kept contact was since merged into another; undo that merge first).',
        params: MergeParams,
        response: { 200: ContactMergeDto, ...errorResponses(403, 404, 409) },
      },
    },
    async (request) => {
      return withTransaction(deps.pool, async (tx) => {
        const merge = await getMerge(tx, request.params.mergeId, true);
        if (!merge) throw notFound('contact merge');
        if (merge.undoneAt) return merge;
        const locked = await lockContactsForWrite(tx, [merge.intoContactId, merge.fromContactId], merge.identityIds);
        const into = locked.get(merge.intoContactId)!;
        if (into.mergedIntoId) {
          throw conflict('merge_superseded', `contact ${into.id} was since merged into ${into.mergedIntoId}; undo that merge first`);
        }
        return undoMerge(tx, merge, principalOf(request).agentId);
      });
    },
  );
}
