import { rememberSecrets } from '@switchboard/log';
import type { ChannelId } from '@switchboard/contracts';
import type { Queryable } from './pool.ts';
import type { SecretBox } from './secret-box.ts';

export interface Inbox {
  id: string;
  channel: ChannelId;
  name: string;
  config: Record<string, unknown>;
  defaultQueueId: string | null;
  /** CSAT/NPS survey settings (SurveySettings in contracts); null: surveys off. */
  survey: Record<string, unknown> | null;
  createdAt: Date;
}

const COLUMNS = `id, channel, name, config, default_queue_id as "defaultQueueId", survey_settings as survey, created_at as "createdAt"`;

export async function createInbox(
  db: Queryable,
  box: SecretBox,
  input: { channel: ChannelId; name: string; config: Record<string, unknown>; secrets: Record<string, unknown>; defaultQueueId: string | null; survey?: Record<string, unknown> | null },
): Promise<Inbox> {
  const { rows } = await db.query(
    `insert into inboxes(channel, name, config, secrets, default_queue_id, survey_settings) values ($1, $2, $3, $4, $5, $6) returning ${COLUMNS}`,
    [input.channel, input.name, input.config, box.seal(input.secrets), input.defaultQueueId, input.survey ? JSON.stringify(input.survey) : null],
  );
  return rows[0] as Inbox;
}

export async function listInboxes(db: Queryable, filter: { channel?: ChannelId } = {}): Promise<Inbox[]> {
  const { rows } = await db.query(
    `select ${COLUMNS} from inboxes where ($1::text is null or channel = $1) order by created_at, id`,
    [filter.channel ?? null],
  );
  return rows as Inbox[];
}

export async function getInbox(db: Queryable, id: string): Promise<Inbox | undefined> {
  const { rows } = await db.query(`select ${COLUMNS} from inboxes where id = $1`, [id]);
  return rows[0] as Inbox | undefined;
}

/** The inbox with its decrypted secrets, for the services that talk to the platform. */
export async function getInboxWithSecrets<S = Record<string, unknown>>(
  db: Queryable,
  box: SecretBox,
  id: string,
): Promise<(Inbox & { secrets: S }) | undefined> {
  const { rows } = await db.query(`select ${COLUMNS}, secrets from inboxes where id = $1`, [id]);
  const row = rows[0] as (Inbox & { secrets: Buffer | null }) | undefined;
  if (!row) return undefined;
  const secrets = (row.secrets ? box.open(row.secrets) : {}) as S;
  // a platform error that echoes a credential back must not carry it into the logs
  rememberSecrets(secrets);
  return { ...row, secrets };
}
