/** Codex asks before running a command or changing files: the legacy MCP server's approval elicitations, parsed. */
export interface ApprovalRequest {
  kind: 'command' | 'file_change';
  threadId: string;
  turnId: string;
  itemId: string;
  command?: string;
  cwd?: string;
  reason?: string;
}
