/** What the widget says about its connection: nothing while connected, why and what happens otherwise. */
export type WidgetConnection =
  | { readonly kind: 'connecting' }
  | { readonly kind: 'connected' }
  | { readonly kind: 'reconnecting' }
  | { readonly kind: 'shutdown' }
  | { readonly kind: 'failed'; readonly message: string };

export function connectionText(connection: WidgetConnection): string {
  switch (connection.kind) {
    case 'connecting':
      return 'Connecting…';
    case 'connected':
      return 'Connected';
    case 'reconnecting':
      return 'Reconnecting… Messages you write now are sent once the chat is back.';
    case 'shutdown':
      return 'The chat server is restarting: reconnecting in a moment…';
    case 'failed':
      return `The chat cannot connect: ${connection.message}`;
  }
}
