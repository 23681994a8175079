import { sql, type Kysely } from 'kysely';

/**
 * Identity (second release): the app's policy and rotated-out credentials, its identity keys, identified users'
 * conversations and who sent each message. Additive: every existing row stays valid (an app is `optional`, a
 * conversation anonymous, a message's sender id unknown).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('apps')
    .addColumn('identity', 'text', (c) => c.notNull().defaultTo('optional').check(sql`identity in ('optional', 'required')`))
    .addColumn('previous_api_key_hash', 'text')
    .addColumn('previous_api_key_valid_until', 'timestamptz')
    .addColumn('previous_admin_token_hash', 'text')
    .addColumn('previous_admin_token_valid_until', 'timestamptz')
    .execute();

  await db.schema
    .createTable('identity_keys')
    .addColumn('app_id', 'text', (c) => c.notNull().references('apps.id').onDelete('cascade'))
    .addColumn('kid', 'text', (c) => c.notNull())
    .addColumn('alg', 'text', (c) => c.notNull().check(sql`alg in ('HS256', 'ES256')`))
    // HS256: the shared secret (needed to verify, so not hashed); ES256: the public JWK.
    .addColumn('secret', 'text')
    .addColumn('jwk', 'jsonb')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('identity_keys_pk', ['app_id', 'kid'])
    .addCheckConstraint('identity_keys_material', sql`(alg = 'HS256' and secret is not null and jwk is null) or (alg = 'ES256' and jwk is not null and secret is null)`)
    .execute();

  await db.schema.alterTable('conversations').addColumn('user_id', 'text').execute();
  // A user's conversations across devices, newest first; an anonymous device's: only those without a user.
  await db.schema
    .createIndex('conversations_user_activity')
    .on('conversations')
    .columns(['app_id', 'user_id', 'activity desc'])
    .where(sql.ref('user_id'), 'is not', null)
    .execute();
  await db.schema
    .createIndex('conversations_anonymous_device_activity')
    .on('conversations')
    .columns(['app_id', 'device_id', 'activity desc'])
    .where(sql.ref('user_id'), 'is', null)
    .execute();
  await db.schema.dropIndex('conversations_device_activity').execute();

  await db.schema.alterTable('messages').addColumn('sender_id', 'text').addColumn('sender_name', 'text').execute();

  // App events (`app.credentials_revoked`) belong to no conversation.
  await db.schema.alterTable('outbox').alterColumn('conversation_id', (c) => c.dropNotNull()).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.deleteFrom('outbox').where('conversation_id', 'is', null).execute();
  await db.schema.alterTable('outbox').alterColumn('conversation_id', (c) => c.setNotNull()).execute();
  await db.schema.alterTable('messages').dropColumn('sender_id').dropColumn('sender_name').execute();
  await db.schema
    .createIndex('conversations_device_activity')
    .on('conversations')
    .columns(['app_id', 'device_id', 'activity desc'])
    .execute();
  await db.schema.dropIndex('conversations_anonymous_device_activity').execute();
  await db.schema.dropIndex('conversations_user_activity').execute();
  await db.schema.alterTable('conversations').dropColumn('user_id').execute();
  await db.schema.dropTable('identity_keys').execute();
  await db.schema
    .alterTable('apps')
    .dropColumn('identity')
    .dropColumn('previous_api_key_hash')
    .dropColumn('previous_api_key_valid_until')
    .dropColumn('previous_admin_token_hash')
    .dropColumn('previous_admin_token_valid_until')
    .execute();
}
