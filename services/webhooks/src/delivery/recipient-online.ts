import type { MessageCreatedEvent } from '@switchboard/protocol';
import type { PresenceReader } from './presence-reader.js';
import type { ConversationRecipients } from './conversation-recipients.js';

/**
 * `message.created`'s `recipient_online` (CONTRACT.md, "Webhooks"): whether the other side had an open socket —
 * any agent of the app for a user's message; the conversation's user (any of their devices) or, for an anonymous
 * conversation, its device for an agent's or a system message.
 */
export async function isRecipientOnline(
  message: MessageCreatedEvent,
  presence: PresenceReader,
  recipients: ConversationRecipients,
): Promise<boolean> {
  if (message.sender === 'user') return presence.isAnyAgentOnline(message.app_id);
  const recipient = await recipients.find(message.conversation_id);
  if (!recipient) return false;
  return recipient.userId !== null
    ? presence.isUserOnline(message.app_id, recipient.userId)
    : presence.isDeviceOnline(message.app_id, recipient.deviceId);
}
