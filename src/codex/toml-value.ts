/**
 * Reads the value of a `-c key=value` override as Codex does: as TOML, or as the raw string when
 * it is not a TOML value (`-c model=gpt-5.5` means the string "gpt-5.5"). The legacy MCP server
 * needs the overrides as JSON in the `codex` tool's `config` argument, hence this parser.
 */
export function parseTomlValue(text: string): unknown {
  try {
    const parser = new TomlValueParser(text);
    const value = parser.value();
    parser.end();
    return value;
  } catch {
    return text;
  }
}

/** Recursive descent over one TOML value: strings, numbers, booleans, arrays and inline tables. */
class TomlValueParser {
  private at = 0;

  constructor(private readonly text: string) {}

  value(): unknown {
    this.space();
    const next = this.text[this.at];
    if (next === '"' || next === "'") return this.string();
    if (next === '[') return this.array();
    if (next === '{') return this.table();
    return this.scalar();
  }

  /** Throws unless only white space is left. */
  end(): void {
    this.space();
    if (this.at < this.text.length) this.fail('trailing characters');
  }

  private string(): string {
    const quote = this.text[this.at] ?? '';
    let end = this.at + 1;
    while (end < this.text.length && this.text[end] !== quote) end += quote === '"' && this.text[end] === '\\' ? 2 : 1;
    if (end >= this.text.length) this.fail('unterminated string');
    const raw = this.text.slice(this.at, end + 1);
    this.at = end + 1;
    // A basic string's escapes are JSON's (TOML adds \e and \U, which then fall back to the raw text).
    return quote === '"' ? (JSON.parse(raw) as string) : raw.slice(1, -1);
  }

  private array(): unknown[] {
    this.at++;
    const items: unknown[] = [];
    while (this.more(']', items.length > 0)) items.push(this.value());
    return items;
  }

  private table(): Record<string, unknown> {
    this.at++;
    const table: Record<string, unknown> = {};
    for (let keys = 0; this.more('}', keys > 0); keys++) {
      const path = this.key();
      this.space();
      if (this.text[this.at++] !== '=') this.fail('expected =');
      setPath(table, path, this.value());
    }
    return table;
  }

  /** Whether another item follows: consumes the comma after an item, or the closing bracket (a trailing comma is fine). */
  private more(bracket: string, afterItem: boolean): boolean {
    this.space();
    if (afterItem && this.text[this.at] !== bracket) {
      if (this.text[this.at] !== ',') this.fail(`expected , or ${bracket}`);
      this.at++;
      this.space();
    }
    if (this.text[this.at] !== bracket) return true;
    this.at++;
    return false;
  }

  /** A dotted key: bare (`a-b_c`) or quoted parts. */
  private key(): string[] {
    const parts: string[] = [];
    for (;;) {
      this.space();
      const next = this.text[this.at];
      if (next === '"' || next === "'") parts.push(this.string());
      else parts.push(this.match(/^[A-Za-z0-9_-]+/, 'expected a key'));
      this.space();
      if (this.text[this.at] !== '.') return parts;
      this.at++;
    }
  }

  private scalar(): boolean | number {
    const word = this.match(/^[^\s,\]}]+/, 'expected a value');
    if (word === 'true' || word === 'false') return word === 'true';
    if (/^[+-]?\d[\d_]*(\.\d[\d_]*)?([eE][+-]?\d+)?$/.test(word)) return Number(word.replace(/_/g, ''));
    return this.fail(`not a TOML value: ${word}`);
  }

  private match(pattern: RegExp, expected: string): string {
    const found = pattern.exec(this.text.slice(this.at))?.[0];
    if (found === undefined) this.fail(expected);
    this.at += found.length;
    return found;
  }

  private space(): void {
    while (/\s/.test(this.text[this.at] ?? '')) this.at++;
  }

  private fail(reason: string): never {
    throw new SyntaxError(`${reason} at ${this.at}`);
  }
}

function setPath(table: Record<string, unknown>, path: string[], value: unknown): void {
  const last = path.at(-1) ?? '';
  let target = table;
  for (const part of path.slice(0, -1)) {
    const next = target[part] ?? {};
    if (typeof next !== 'object' || Array.isArray(next)) throw new SyntaxError(`${part} is not a table`);
    target[part] = next;
    target = next as Record<string, unknown>;
  }
  target[last] = value;
}
