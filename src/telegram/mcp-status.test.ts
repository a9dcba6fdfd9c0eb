import { describe, expect, it } from 'vitest';
import { childEnvironment } from '../config/index.js';
import { mcpStatusLine, parseStatusOutput } from './mcp-status.js';

const own = () => ({ running: true, ready: false, pid: 12, uptimeSec: 3.4 });
const base = { direct: false, autoDetect: false, own, env: childEnvironment() };

describe('codex_mcp status', () => {
  it('parses JSON and key=value output, and nothing else', () => {
    expect(parseStatusOutput('{"running":true,"pid":5}')).toEqual({ running: 'true', pid: '5' });
    expect(parseStatusOutput('running=true,ready=true,pid=12345,uptime_sec=30')).toEqual({ running: 'true', ready: 'true', pid: '12345', uptime_sec: '30' });
    expect(parseStatusOutput('all good')).toBeUndefined();
  });

  it('reports the runner\'s own process with mcp_direct_status', async () => {
    expect(await mcpStatusLine({ ...base, direct: true, command: 'echo ignored=1' })).toBe('running=true, ready=false, pid=12, uptime_sec=3');
  });

  it('runs mcp_status_cmd, and says unknown when its output does not parse', async () => {
    expect(await mcpStatusLine({ ...base, command: 'echo running=true,ready=true,pid=7,uptime_sec=30' })).toBe('running=true, ready=true, pid=7, uptime_sec=30');
    expect(await mcpStatusLine({ ...base, command: 'echo hello' })).toBe('unknown');
  });

  it('looks for a Codex process with mcp_auto_detect_process', async () => {
    expect(await mcpStatusLine({ ...base, autoDetect: true })).toMatch(/^running=(true, pid=\d+|false)$/);
  });
});
