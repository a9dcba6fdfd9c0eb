import type { z } from 'zod';

/** The parts of zod 4's internal definition that name a schema's structure. */
interface ZodDef {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  element?: z.ZodType;
  options?: z.ZodType[];
  values?: unknown[];
}

const def = (schema: z.ZodType): ZodDef => (schema as unknown as { _zod: { def: ZodDef } })._zod.def;

/** Wrappers that change whether a value must be there, not what it is. */
const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'catch', 'readonly', 'nonoptional']);

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (let d = def(current); WRAPPERS.has(d.type) && d.innerType; d = def(current)) current = d.innerType;
  return current;
}

/** The tag of an object schema with a literal `type` field (`{type: z.literal('agentMessage'), …}`). */
function tagOf(schema: z.ZodType): string | undefined {
  const shape = def(unwrap(schema)).shape;
  const tag = shape?.type === undefined ? undefined : def(unwrap(shape.type));
  return tag?.type === 'literal' && typeof tag.values?.[0] === 'string' ? tag.values[0] : undefined;
}

/**
 * Every field path a schema reads, in `ProtocolSchema.fieldShape`'s notation: objects by their
 * keys, array elements as `*`, and a union of tagged objects as `name[type=tag]` per variant.
 * Leaves are the fields whose value the schema checks (strings, numbers, enums, records, unknown).
 */
export function zodPaths(schema: z.ZodType, prefix: string): string[] {
  const inner = unwrap(schema);
  const d = def(inner);
  if (d.type === 'object' && d.shape) return Object.entries(d.shape).flatMap(([key, value]) => zodPaths(value, `${prefix}.${key}`));
  if (d.type === 'array' && d.element) return zodPaths(d.element, `${prefix}.*`);
  if (d.type === 'union' && d.options?.every((option) => tagOf(option) !== undefined)) {
    return d.options.flatMap((option) => zodPaths(option, `${prefix}[type=${tagOf(option) ?? ''}]`));
  }
  return [prefix];
}
