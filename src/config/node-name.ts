import { hostname } from 'node:os';
import { z } from 'zod';

const NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$/;

/**
 * A node's name: 1–64 of `A-Z a-z 0-9 . _ -`, not starting with `.` or `-`. The name is a path
 * segment of the node's journal and workspace dirs, so `..` or `/` would escape the data dir; a
 * leading `-` would read as an option to git.
 */
export const nodeNameSchema = z
  .string()
  .trim()
  .regex(NAME, 'must be 1 to 64 characters of A-Z, a-z, 0-9, ".", "_" and "-", not starting with "." or "-"');

/** The host name made into a valid node name (other characters become `-`), or `node`. */
export function defaultNodeName(host: string = hostname()): string {
  const name = host.replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[.-]+/, '').slice(0, 64);
  return name === '' ? 'node' : name;
}
