import readline from 'node:readline';

export interface Terminal {
  /** Prints a line above the prompt without mangling what is being typed. */
  say(text: string): void;
  /** Each line typed (enter pressed). */
  onLine(listener: (text: string) => void): void;
  /**
   * Typing in progress: a keystroke on a terminal, a chunk of a pipe, but not the enter that ends a line (the line
   * is sent and the SDK stops the typing indicator; a keystroke after it would start it again).
   */
  onTyping(listener: () => void): void;
  onClose(listener: () => void): void;
  prompt(): void;
}

export function createTerminal(input: NodeJS.ReadStream, output: NodeJS.WriteStream): Terminal {
  const rl = readline.createInterface({ input, output, terminal: input.isTTY === true });
  rl.setPrompt('> ');
  return {
    say(text) {
      if (output.isTTY) {
        readline.clearLine(output, 0);
        readline.cursorTo(output, 0);
      }
      output.write(`${text}\n`);
      if (output.isTTY) rl.prompt(true);
    },
    onLine: (listener) => void rl.on('line', listener),
    // On a terminal readline puts the input in raw mode: every key arrives as its own chunk.
    onTyping: (listener) =>
      void input.on('data', (chunk: Buffer | string) => {
        if (!/[\r\n]$/.test(String(chunk))) listener();
      }),
    onClose: (listener) => void rl.on('close', listener),
    prompt: () => rl.prompt(),
  };
}
