import type { TranscriptMessage } from './transcript.js';

/** The last characters of an id: enough to tell conversations apart on a terminal. */
export const short = (id: string) => id.slice(-6);

const time = (iso: string) => new Date(iso).toLocaleTimeString();

/** `[10:42:03] you: hello`, from the point of view of `me`. */
export const messageLine = (message: TranscriptMessage, me: 'user' | 'agent') =>
  `[${time(message.created_at)}] ${message.sender === me ? 'you' : message.sender}: ${message.body}`;

/** What the terminal shows of a conversation's workflow: the SDK's `Conversation` has these fields. */
export interface ConversationState {
  readonly status: string;
  readonly snoozed_until: string | null;
  readonly assignee_id: string | null;
  readonly unread_count: number;
}

/** `open, 2 unread`; `snoozed until 10:42:03, assigned to ada, 0 unread`: unread as the viewer's side sees it. */
export const conversationState = (c: ConversationState) =>
  [
    c.status === 'snoozed' && c.snoozed_until ? `snoozed until ${time(c.snoozed_until)}` : c.status,
    ...(c.assignee_id ? [`assigned to ${c.assignee_id}`] : []),
    `${c.unread_count} unread`,
  ].join(', ');
