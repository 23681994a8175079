export * from './console-config.js';
export * from './dist-dir.js';
export * from './static-response.js';
export * from './static-site.js';
export * from './static-server.js';
export * from './config.js';
