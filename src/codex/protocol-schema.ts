import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** A JSON schema node as `codex app-server generate-json-schema` writes them (draft 7, `$ref`s into `definitions`). */
interface SchemaNode {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  additionalProperties?: SchemaNode | boolean;
  anyOf?: SchemaNode[];
  oneOf?: SchemaNode[];
  allOf?: SchemaNode[];
  definitions?: Record<string, SchemaNode>;
  title?: string;
}

/** Where a method's messages are described: its params type, and for requests its response type. */
export type MethodKind = 'request' | 'notification' | 'serverRequest';

/** The three unions of the protocol, each a file of the generated schema. */
const UNION_FILES: Record<MethodKind, string> = { request: 'ClientRequest.json', notification: 'ServerNotification.json', serverRequest: 'ServerRequest.json' };

/**
 * The app-server protocol of one Codex binary, read from its own `generate-json-schema` output:
 * which methods it has and the shape of any field of their messages.
 */
export class ProtocolSchema {
  private constructor(
    private readonly definitions: Map<string, SchemaNode>,
    private readonly methods: Record<MethodKind, Map<string, string>>,
  ) {}

  /** Reads every `.json` file under `dir` (the top level, `v1/` and `v2/`). */
  static read(dir: string): ProtocolSchema {
    const definitions = new Map<string, SchemaNode>();
    for (const file of jsonFiles(dir)) {
      const node = JSON.parse(readFileSync(file, 'utf8')) as SchemaNode;
      for (const [name, def] of Object.entries(node.definitions ?? {})) if (!definitions.has(name)) definitions.set(name, def);
      if (node.title !== undefined && !definitions.has(node.title)) definitions.set(node.title, node);
    }
    const methods = { request: new Map<string, string>(), notification: new Map<string, string>(), serverRequest: new Map<string, string>() };
    for (const kind of Object.keys(UNION_FILES) as MethodKind[]) {
      const union = JSON.parse(readFileSync(join(dir, UNION_FILES[kind]), 'utf8')) as SchemaNode;
      for (const variant of union.oneOf ?? []) {
        const method = variant.properties?.method?.enum?.[0];
        const params = variant.properties?.params?.$ref;
        if (typeof method === 'string') methods[kind].set(method, params === undefined ? '' : refName(params));
      }
    }
    return new ProtocolSchema(definitions, methods);
  }

  /** The methods of one union, sorted. */
  methodNames(kind: MethodKind): string[] {
    return [...this.methods[kind].keys()].sort();
  }

  has(kind: MethodKind, method: string): boolean {
    return this.methods[kind].has(method);
  }

  /**
   * The shape of the field at `path` of a method's message, or undefined when there is no such
   * field. `path` starts with `params` or `result` (a request's response, found by its params type's
   * name: `ThreadStartParams` → `ThreadStartResponse`); `name[key=value]` picks the variant of a
   * tagged union (`item[type=commandExecution].command`).
   */
  fieldShape(kind: MethodKind, method: string, path: string): string | undefined {
    const params = this.methods[kind].get(method);
    if (params === undefined) return undefined;
    const [root, ...rest] = path.split('.');
    const name = root === 'result' ? params.replace(/Params$/, 'Response') : params;
    const start = root === 'params' || root === 'result' ? this.definitions.get(name) : undefined;
    let nodes = start ? [start] : [];
    for (const segment of rest) {
      nodes = nodes.flatMap((node) => this.child(node, segment));
      if (nodes.length === 0) return undefined;
    }
    return nodes.length === 0 ? undefined : [...new Set(nodes.flatMap((node) => this.shapes(node)))].sort().join('|');
  }

  /** The nodes a property (optionally of one tagged variant) can be, across every branch of `node`. */
  private child(node: SchemaNode, segment: string): SchemaNode[] {
    const match = /^([^[]+)(?:\[(\w+)=([^\]]+)\])?$/.exec(segment);
    if (!match) return [];
    const [, name = '', tag, value] = match;
    const found = this.branches(node).flatMap((branch) => {
      if (branch.properties?.[name]) return [branch.properties[name]];
      if (name === '*' && branch.items) return [branch.items];
      if (name === '*' && typeof branch.additionalProperties === 'object') return [branch.additionalProperties];
      return [];
    });
    if (tag === undefined) return found;
    return found.flatMap((child) => this.branches(child)).filter((branch) => this.shapes(branch.properties?.[tag] ?? {}).includes(JSON.stringify(value)));
  }

  /** `node` with `$ref`s followed and unions and intersections spread into their branches. */
  private branches(node: SchemaNode, depth = 0): SchemaNode[] {
    if (depth > 20) return [];
    if (node.$ref !== undefined) {
      const target = this.definitions.get(refName(node.$ref));
      return target ? this.branches(target, depth + 1) : [];
    }
    const parts = [...(node.anyOf ?? []), ...(node.oneOf ?? []), ...(node.allOf ?? [])];
    if (parts.length === 0) return [node];
    // A node may have fields of its own beside its union (`{properties: {threadId}, oneOf: [modes]}`).
    const own = node.properties !== undefined || node.items !== undefined ? [node] : [];
    return [...own, ...parts.flatMap((part) => this.branches(part, depth + 1))];
  }

  /** A field's shapes: JSON types, or the JSON text of each allowed value for enums and constants. */
  private shapes(node: SchemaNode): string[] {
    return this.branches(node).flatMap((branch) => {
      if (branch.enum) return branch.enum.map((value) => JSON.stringify(value));
      if (branch.const !== undefined) return [JSON.stringify(branch.const)];
      if (branch.type === undefined) return [branch.properties ? 'object' : 'any'];
      return Array.isArray(branch.type) ? branch.type : [branch.type];
    });
  }
}

function refName(ref: string): string {
  return ref.slice(ref.lastIndexOf('/') + 1);
}

function jsonFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return jsonFiles(path);
    return entry.endsWith('.json') ? [path] : [];
  });
}
