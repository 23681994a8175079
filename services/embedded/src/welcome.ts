import type { CreatedApp } from '@switchboard/protocol';

export interface Welcome {
  readonly gatewayPort: number;
  /** Whether the built console is served at `/console/` (it is not when `services/console/dist` is missing). */
  readonly consoleServed: boolean;
  readonly messagesPort: number;
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
  const consoleUrl = `http://localhost:${w.gatewayPort}/console/`;
  const widgetQuery = new URLSearchParams({ app_id: w.app.id, api_key: w.app.api_key });
  const tryConsole = w.consoleServed
    ? [
        // The admin token goes in the fragment, never the query: browsers do not send it, so no server log holds it.
        'Try it in the browser: the agent console, signed in to the demo app in one click,',
        `  ${consoleUrl}#token=${encodeURIComponent(w.app.admin_token)}`,
        'and, in another tab, the customer chat widget:',
        `  ${consoleUrl}widget.html?${widgetQuery}`,
        '',
      ]
    : ['The console is not built (services/console/dist is missing): run npm run build, then start again.', ''];
  const lines = [
    '',
    'Switchboard is running.',
    ...(w.consoleServed ? [`  console   ${consoleUrl}`] : []),
    `  gateway   ws://localhost:${w.gatewayPort}/v1/socket.io  (namespaces /client and /admin)`,
    `  messages  http://localhost:${w.messagesPort}/v1          (OpenAPI: http://localhost:${w.messagesPort}/openapi.json)`,
    `  using     ${Object.values(w.chosen).join('; ')}`,
    '',
    `Demo app (${w.created ? 'created now' : 'from'} ${w.dataDir}/demo-app.json):`,
    `  APP_ID=${w.app.id}`,
    `  API_KEY=${w.app.api_key}`,
    `  ADMIN_TOKEN=${w.app.admin_token}`,
    ...(w.operatorToken ? ['', `Operator token (generated, kept in ${w.dataDir}/operator-token):`, `  OPERATOR_TOKEN=${w.operatorToken}`] : []),
    '',
    ...tryConsole,
    `${w.consoleServed ? 'Or try it' : 'Try it'} in two more terminals:`,
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
