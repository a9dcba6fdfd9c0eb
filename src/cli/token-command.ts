import type { Command } from 'commander';
import type { ClientFlags } from '../config/index.js';
import { apiClient, withConnection } from './api-options.js';

interface CredentialView {
  name: string;
  role: 'node' | 'bridge';
  createdAt: string;
  lastUsedAt: string | null;
}

/** `csc token create|ls|revoke`: per-machine credentials, through the master's API. */
export function registerTokenCommand(program: Command): void {
  const token = program
    .command('token')
    .description('per-machine credentials for nodes and bridges: create (shown once), list, revoke')
    .addHelpText(
      'after',
      '\nA per-machine credential lets one machine connect as a node or a bridge under its own name,\n' +
        'and can be revoked alone: its connections close at once. The master stores only a digest.\n' +
        'Examples:\n' +
        '  csc token create --role node --name laptop   # then on the laptop: csc node --name laptop --token <token>\n' +
        '  csc token ls\n' +
        '  csc token revoke laptop',
    );

  withConnection(token.command('create'))
    .description('make a credential and print its token (this is the only time it is shown)')
    .requiredOption('--role <role>', 'node or bridge: what the credential may connect as')
    .requiredOption('--name <name>', 'the machine: a node or bridge with this credential must use this name')
    .action(async (flags: ClientFlags & { role: string; name: string }) => {
      const made = await apiClient(flags).request<CredentialView & { token: string }>('POST', '/api/tokens', { role: flags.role, name: flags.name });
      process.stdout.write(`${made.token}\n`);
      const [command, env] = made.role === 'node' ? ['csc node', 'MASTER_TOKEN'] : ['csc bridge', 'MASTER_BRIDGE_TOKEN'];
      process.stderr.write(
        `${made.role} credential "${made.name}" created. Keep the token secret: it is not shown again.\n` +
          `On that machine: ${command} --name ${made.name} --token <token>  (or set ${env})\n`,
      );
    });

  withConnection(token.command('ls'))
    .description('list the per-machine credentials: role, name, created, last used (never the tokens)')
    .action(async (flags: ClientFlags) => {
      const { tokens } = await apiClient(flags).request<{ tokens: CredentialView[] }>('GET', '/api/tokens');
      if (tokens.length === 0) {
        process.stdout.write('no per-machine credentials (csc token create --role node --name NAME makes one)\n');
        return;
      }
      const rows = [['ROLE', 'NAME', 'CREATED', 'LAST USED'], ...tokens.map((t) => [t.role, t.name, t.createdAt, t.lastUsedAt ?? 'never'])];
      const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => row[i]?.length ?? 0))) ?? [];
      for (const row of rows) process.stdout.write(`${row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd()}\n`);
    });

  withConnection(token.command('revoke'))
    .description('revoke a credential: its connections close at once and it is never accepted again')
    .argument('<name>')
    .action(async (name: string, flags: ClientFlags) => {
      await apiClient(flags).request('DELETE', `/api/tokens/${encodeURIComponent(name)}`);
      process.stdout.write(`credential "${name}" revoked\n`);
    });
}
