export { ChatClient, type ChatClientOptions } from './chat-client.js';
export { AgentClient, type AgentClientOptions } from './agent-client.js';
export type { ClientLifecycleEvents, ConnectionState, RealtimeClientOptions } from './realtime-client.js';
export { createMemorySendStore, SendError, type PendingSend, type SendStore } from './send-queue.js';
export { fullJitterDelay, type BackoffOptions } from './backoff.js';
export { ApiError } from './rest.js';
export type { TypingDebouncerOptions } from './typing-debouncer.js';
