import { clearLine, createInterface, cursorTo } from 'node:readline';
import type { AgentMessage, NodeAgent } from './node-agent.js';

/** Renders what the master sends for a person at a terminal. */
export function formatMessage(message: AgentMessage): string | undefined {
  if (message.kind === 'text') return message.text;
  const frame = message.frame;
  switch (frame.type) {
    case 'chat':
      return `[${frame.from?.name ?? 'unknown'}] ${frame.text}`;
    case 'command':
      return `[${frame.source.platform}${frame.source.user_name ? ` ${frame.source.user_name}` : ''}] ${frame.text}`;
    case 'error':
      return `! ${frame.code}: ${frame.message}`;
    default:
      return undefined;
  }
}

export interface ChatConsole {
  /** Prints a received line above the prompt without mangling what the user is typing. */
  print(line: string): void;
  close(): void;
}

/**
 * The seed's chat console: typed lines go to the other nodes, received ones are printed.
 * The terminal is in raw mode, so Ctrl-C reaches readline instead of raising SIGINT: it and
 * Ctrl-D call `onQuit`, which should stop the node the way a signal would.
 */
export function runConsole(agent: NodeAgent, input: NodeJS.ReadableStream, output: NodeJS.WriteStream, onQuit: () => void): ChatConsole {
  const rl = createInterface({ input, output, terminal: true, prompt: '> ' });
  let closing = false;
  rl.on('SIGINT', () => rl.close());
  rl.on('close', () => {
    if (!closing) onQuit();
  });
  rl.on('line', (line) => {
    if (line.trim().length > 0 && !agent.sendText(line)) output.write('(not connected to the master; the line was not sent)\n');
    rl.prompt();
  });
  rl.prompt();
  return {
    print(line) {
      clearLine(output, 0);
      cursorTo(output, 0);
      output.write(`${line}\n`);
      rl.prompt(true);
    },
    close: () => {
      closing = true;
      rl.close();
    },
  };
}
