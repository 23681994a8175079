export * from './env.js';
export * from './nats-options.js';
