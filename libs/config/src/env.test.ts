import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, csvList, loadConfig, logLevel, port, url } from './env.js';

const Schema = z.object({
  DATABASE_URL: url(['postgres']),
  PORT: port(3001),
  LOG_LEVEL: logLevel,
  ORIGINS: csvList.optional(),
});

describe('config', () => {
  it('config - applies defaults, parses values and freezes the result', () => {
    const config = loadConfig(Schema, { DATABASE_URL: 'postgres://x/db', ORIGINS: ' https://a.com, ,https://b.com ' });
    expect(config).toEqual({ DATABASE_URL: 'postgres://x/db', PORT: 3001, LOG_LEVEL: 'info', ORIGINS: ['https://a.com', 'https://b.com'] });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.ORIGINS)).toBe(true);
  });

  it('config - lists every missing or bad variable in one error', () => {
    try {
      loadConfig(Schema, { PORT: '99999', LOG_LEVEL: 'loud' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems;
      expect(problems).toHaveLength(3);
      expect(problems.join('\n')).toMatch(/DATABASE_URL is required/);
      expect(problems.join('\n')).toMatch(/PORT/);
      expect(problems.join('\n')).toMatch(/LOG_LEVEL/);
    }
  });

  it('config - empty strings count as unset; other schemes are refused', () => {
    expect(() => loadConfig(Schema, { DATABASE_URL: '  ' })).toThrow(/DATABASE_URL is required/);
    expect(() => loadConfig(Schema, { DATABASE_URL: 'mysql://x' })).toThrow(/postgres:\/\//);
  });
});
