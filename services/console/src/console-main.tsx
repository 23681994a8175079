import { render } from 'preact';
import { ConsoleApp } from './console/console-app.js';
import { createSignInSession } from './console/sign-in-session.js';
import { createTimeFormat } from './shared/format-time.js';
import { loadConsoleConfig } from './shared/runtime-config.js';
import { TimeFormatContext } from './shared/time.js';
import './shared/base.css';
import './shared/console.css';

// The fragment's token is taken (and removed from the address bar) before anything else runs.
const session = createSignInSession(window.sessionStorage, window.location, window.history);
const root = document.getElementById('app')!;

loadConsoleConfig().then(
  (config) =>
    render(
      <TimeFormatContext.Provider value={createTimeFormat()}>
        <ConsoleApp config={config} session={session} />
      </TimeFormatContext.Provider>,
      root,
    ),
  (error: Error) =>
    render(
      <main>
        <h1>Switchboard console</h1>
        <p role="alert">The console's configuration could not be read: {error.message}</p>
      </main>,
      root,
    ),
);
