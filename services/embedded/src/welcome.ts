import type { CreatedApp } from '@switchboard/protocol';

export interface Welcome {
  readonly gatewayPort: number;
  readonly messagesPort: number;
  readonly webhooksPort: number;
  readonly app: CreatedApp;
  readonly created: boolean;
  /** The demo app's identity key (its secret stays in demo-app.json). */
  readonly identityKid: string;
  /** Printed only when it was generated (not given in OPERATOR_TOKEN). */
  readonly operatorToken: string | undefined;
  readonly dataDir: string;
  readonly chosen: Readonly<Record<string, string>>;
}

/** What a newcomer sees after `npm start`: where things are, the demo app's credentials, what to try next. */
export function printWelcome(out: NodeJS.WritableStream, w: Welcome): void {
  const lines = [
    '',
    'Switchboard is running.',
    `  gateway   ws://localhost:${w.gatewayPort}/v1/socket.io  (namespaces /client and /admin)`,
    `  messages  http://localhost:${w.messagesPort}/v1          (OpenAPI: http://localhost:${w.messagesPort}/openapi.json)`,
    `  webhooks  http://localhost:${w.webhooksPort}/v1/apps/:app_id/webhooks  (npm run -s apps:webhook -- --help; docs/webhooks.md)`,
    `  using     ${Object.values(w.chosen).join('; ')}`,
    '',
    `Demo app (${w.created ? 'created now' : 'from'} ${w.dataDir}/demo-app.json):`,
    `  APP_ID=${w.app.id}`,
    `  API_KEY=${w.app.api_key}`,
    `  ADMIN_TOKEN=${w.app.admin_token}`,
    ...(w.operatorToken ? ['', `Operator token (generated, kept in ${w.dataDir}/operator-token):`, `  OPERATOR_TOKEN=${w.operatorToken}`] : []),
    '',
    'Try it, in two more terminals:',
    '  npm run demo:chat -- --as device     # a customer',
    '  npm run demo:chat -- --as agent      # an agent answering',
    '',
    `Signed-in users: the demo app has an identity key (${w.identityKid}, secret in demo-app.json); mint a token with`,
    '  npm run -s demo:token -- --user alice [--name Alice] [--agent] [--ttl 3600]',
    '  and send it as user_token in the /client handshake (agent tokens: agent_token on /admin). docs/identity.md',
    '',
    'Another app (prints its JSON; --help for the options):',
    '  npm run -s apps:create -- --name my-app',
    '',
  ];
  out.write(`${lines.join('\n')}\n`);
}
