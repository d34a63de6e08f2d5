import { attachmentKindOf, type Attachment } from '@switchboard/contracts';
import type { Queryable } from './pool.ts';

/** A file an agent uploaded to a conversation; a reply attaches it by id. */
export interface Upload {
  id: string;
  conversationId: string;
  blobKey: string;
  fileName: string;
  contentType: string;
  size: number;
  uploadedBy: string | null;
  createdAt: Date;
}

const SELECT_UPLOAD = `
  select id, conversation_id as "conversationId", blob_key as "blobKey", file_name as "fileName",
         content_type as "contentType", size, uploaded_by as "uploadedBy", created_at as "createdAt"
    from uploads`;

export async function createUpload(
  db: Queryable,
  input: { conversationId: string; blobKey: string; fileName: string; contentType: string; size: number; uploadedBy: string | null },
): Promise<Upload> {
  const { rows } = await db.query(
    `insert into uploads(conversation_id, blob_key, file_name, content_type, size, uploaded_by)
     values ($1, $2, $3, $4, $5, $6)
     returning id, conversation_id as "conversationId", blob_key as "blobKey", file_name as "fileName",
               content_type as "contentType", size, uploaded_by as "uploadedBy", created_at as "createdAt"`,
    [input.conversationId, input.blobKey, input.fileName, input.contentType, input.size, input.uploadedBy],
  );
  return rows[0] as Upload;
}

/** The uploads of one conversation among `ids`, in the order asked for; ids of other conversations are left out. */
export async function uploadsOf(db: Queryable, conversationId: string, ids: readonly string[]): Promise<Upload[]> {
  if (ids.length === 0) return [];
  const { rows } = await db.query<Upload>(`${SELECT_UPLOAD} where conversation_id = $1 and id = any($2::uuid[])`, [conversationId, ids]);
  const byId = new Map(rows.map((u) => [u.id, u]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

/** How a message carries an uploaded file: the same `blob:<key>` reference inbound files use. */
export function uploadAttachment(upload: Upload): Attachment {
  return {
    kind: attachmentKindOf(upload.contentType),
    externalId: `blob:${upload.blobKey}`,
    mimeType: upload.contentType,
    fileName: upload.fileName,
    size: upload.size,
  };
}

