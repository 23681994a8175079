export * from './free-port.js';
export * from './wait-for.js';
export * from './postgres.js';
export * from './process-server.js';
export * from './nats.js';
export * from './redis.js';
export * from './service-process.js';
export * from './tcp-balancer.js';
