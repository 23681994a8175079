import { AgentClient } from '@switchboard/client';
import { waitFor, type ConsoleTarget } from '@switchboard/testing';

/**
 * An agent on the SDK, signed in with the target's app admin token at `gatewayUrl` (a node of the cluster, the
 * gateway of `npm start`), connected; `listen` subscribes before it connects, so that nothing is missed.
 */
export async function connectedAgent(target: ConsoleTarget, gatewayUrl: string, listen?: (agent: AgentClient) => void): Promise<AgentClient> {
  const agent = new AgentClient({ url: gatewayUrl, apiUrl: target.apiUrl, appId: target.app.id, adminToken: target.app.admin_token });
  listen?.(agent);
  agent.connect();
  await waitFor(() => agent.connected, { timeoutMs: 10_000, message: 'agent connected' });
  return agent;
}
