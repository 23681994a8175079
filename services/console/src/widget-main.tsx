import { render } from 'preact';

function Widget() {
  return (
    <main>
      <h1>Chat with us</h1>
    </main>
  );
}

render(<Widget />, document.getElementById('app')!);
