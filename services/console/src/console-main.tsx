import { render } from 'preact';
import { ConsoleApp } from './console/console-app.js';
import { createSignInSession } from './console/sign-in-session.js';
import { loadConsoleConfig } from './shared/runtime-config.js';
import './shared/console.css';

// The fragment's token is taken (and removed from the address bar) before anything else runs.
const session = createSignInSession();
const root = document.getElementById('app')!;

loadConsoleConfig().then(
  (config) => render(<ConsoleApp config={config} session={session} />, root),
  (error: Error) =>
    render(
      <main>
        <h1>Switchboard console</h1>
        <p role="alert">The console's configuration could not be read: {error.message}</p>
      </main>,
      root,
    ),
);
