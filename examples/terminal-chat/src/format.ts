import type { TranscriptMessage } from './transcript.js';

/** The last characters of an id: enough to tell conversations apart on a terminal. */
export const short = (id: string) => id.slice(-6);

const time = (iso: string) => new Date(iso).toLocaleTimeString();

/** `[10:42:03] you: hello`, from the point of view of `me`. */
export const messageLine = (message: TranscriptMessage, me: 'user' | 'agent') =>
  `[${time(message.created_at)}] ${message.sender === me ? 'you' : message.sender}: ${message.body}`;
