import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';
import type { ConversationStatus, IdentityKeyAlg, IdentityPolicy, MessageSender, PublicEcJwk } from '@switchboard/protocol';

/** Tables of the messages service, as Kysely sees them. Migrations in `./migrations` create them. */
export interface Database {
  apps: AppsTable;
  identity_keys: IdentityKeysTable;
  conversations: ConversationsTable;
  messages: MessagesTable;
  outbox: OutboxTable;
}

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;

export interface AppsTable {
  id: string;
  name: string;
  /** SHA-256 (hex) of the api key; the key itself is shown once and never stored. */
  api_key_hash: string;
  /** SHA-256 (hex) of the admin token. */
  admin_token_hash: string;
  identity: ColumnType<IdentityPolicy, IdentityPolicy | undefined, IdentityPolicy>;
  /** After a rotation: the previous credential's hash, valid until the end of its grace. */
  previous_api_key_hash: ColumnType<string | null, string | null | undefined, string | null>;
  previous_api_key_valid_until: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  previous_admin_token_hash: ColumnType<string | null, string | null | undefined, string | null>;
  previous_admin_token_valid_until: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  created_at: CreatedAt;
}

export interface IdentityKeysTable {
  app_id: string;
  kid: string;
  alg: IdentityKeyAlg;
  /** HS256: the shared secret (verifying needs it, so it cannot be hashed); never logged, shown once. */
  secret: string | null;
  /** ES256: the app's public key. */
  jwk: ColumnType<PublicEcJwk | null, string | null, never>;
  created_at: CreatedAt;
}

export interface ConversationsTable {
  id: string;
  app_id: string;
  device_id: string;
  /** The identified user it belongs to; `null`: an anonymous device's conversation. */
  user_id: ColumnType<string | null, string | null | undefined, string | null>;
  status: ColumnType<ConversationStatus, ConversationStatus | undefined, ConversationStatus>;
  /** Set exactly while `status` is `snoozed`: when the wake-up reopens it. */
  snoozed_until: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  /** The agent id it is assigned to, `null`: unassigned. */
  assignee_id: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: CreatedAt;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
  last_message_id: string | null;
  /** `seq` of the newest message; the next one gets `last_seq + 1` under this row's lock. */
  last_seq: Generated<number>;
  /**
   * Orders the conversation list by latest activity without trusting clocks: taken from a sequence when the
   * conversation is opened and at every message. bigint, read back as a string.
   */
  activity: ColumnType<string, string | number | bigint | undefined, string | number | bigint>;
  /** Highest `seq` the device's user has read. */
  user_read_seq: Generated<number>;
  /** Highest `seq` the app's agents have read. */
  agent_read_seq: Generated<number>;
  /** When the newest message was stored; `null` without messages. */
  last_message_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  /** Messages sent by each side (the `side_seq` of its newest one). Unread counts: see migration 0003. */
  user_message_count: Generated<number>;
  agent_message_count: Generated<number>;
  /** The user messages the agents' read marker covers. */
  agent_read_user_count: Generated<number>;
  /** The agent messages the user's read marker covers. */
  user_read_agent_count: Generated<number>;
}

export interface MessagesTable {
  id: string;
  conversation_id: string;
  seq: number;
  local_id: string;
  body: string;
  sender: MessageSender;
  sender_id: ColumnType<string | null, string | null | undefined, never>;
  sender_name: ColumnType<string | null, string | null | undefined, never>;
  /** The message's number among its side's messages (1, 2, 3 … per side); `null` for `system`. */
  side_seq: ColumnType<number | null, number | null | undefined, never>;
  created_at: CreatedAt;
}

export interface OutboxTable {
  /** bigserial, read back as a string. Only orders rows; never a cursor for readers. */
  id: Generated<string>;
  subject: string;
  /** JetStream message id (`Nats-Msg-Id`), so a republish after a crash is de-duplicated by the stream. */
  msg_id: string;
  /** `null` for app events. */
  conversation_id: string | null;
  payload: ColumnType<unknown, string, never>;
  created_at: CreatedAt;
}

export type AppRow = Selectable<AppsTable>;
export type IdentityKeyRow = Selectable<IdentityKeysTable>;
export type ConversationRow = Selectable<ConversationsTable>;
export type MessageRow = Selectable<MessagesTable>;
export type OutboxRow = Selectable<OutboxTable>;
export type NewOutboxRow = Insertable<OutboxTable>;
