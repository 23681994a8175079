import { describe, expect, it } from 'vitest';
import { loadEmbeddedConfig } from './config.js';

describe('embedded config', () => {
  it('config - LOG_FORMAT defaults to pretty on a terminal and json otherwise; a set value wins', () => {
    expect(loadEmbeddedConfig({}, { terminal: true }).LOG_FORMAT).toBe('pretty');
    expect(loadEmbeddedConfig({}, { terminal: false }).LOG_FORMAT).toBe('json');
    expect(loadEmbeddedConfig({}).LOG_FORMAT).toBe('json');
    expect(loadEmbeddedConfig({ LOG_FORMAT: 'json' }, { terminal: true }).LOG_FORMAT).toBe('json');
    expect(loadEmbeddedConfig({ LOG_FORMAT: 'pretty' }, { terminal: false }).LOG_FORMAT).toBe('pretty');
    expect(() => loadEmbeddedConfig({ LOG_FORMAT: 'xml' })).toThrow(/LOG_FORMAT/);
    expect(Object.isFrozen(loadEmbeddedConfig({}))).toBe(true);
  });
});
