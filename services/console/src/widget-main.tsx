import { render } from 'preact';
import { ChatClient, createLocalStorageStore } from '@switchboard/client';
import { loadConsoleConfig } from './shared/runtime-config.js';
import { deviceIdFor } from './widget/device-id.js';
import { WidgetApp } from './widget/widget-app.js';
import { readWidgetParams } from './widget/widget-params.js';
import './shared/base.css';
import './widget/widget.css';

/** The SDK's store (queued sends, each conversation's last delivered message) lives beside the device id. */
const SDK_STORE_PREFIX = 'switchboard:widget:sdk:';

const root = document.getElementById('app')!;
const problem = (text: string) =>
  render(
    <main class="widget">
      <header class="widget-header">
        <h1>Chat with us</h1>
      </header>
      <p role="alert" class="problem">
        {text}
      </p>
    </main>,
    root,
  );

const params = readWidgetParams(window.location.search);
if (!params.ok) {
  problem(params.problem);
} else {
  loadConsoleConfig().then((config) => {
    const client = new ChatClient({
      url: config.gatewayUrl,
      apiUrl: config.apiUrl,
      appId: params.appId,
      apiKey: params.apiKey,
      deviceId: deviceIdFor(params.appId),
      store: createLocalStorageStore({ prefix: SDK_STORE_PREFIX }),
    });
    render(<WidgetApp client={client} />, root);
  }, (error: Error) => problem(`The chat's configuration could not be read: ${error.message}`));
}
