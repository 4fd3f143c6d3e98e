/**
 * Reads one section of the settings file with every problem collected, each naming its path
 * (`forecaster.history.keep: must be an integer >= 1, got 0`). Unknown keys are problems too:
 * a misspelt setting silently falling back to its default is how outages start.
 */
export class SectionReader {
  constructor(
    readonly path: string,
    private readonly value: Readonly<Record<string, unknown>>,
    readonly problems: string[],
    allowed: readonly string[],
  ) {
    for (const key of Object.keys(value)) {
      if (!allowed.includes(key)) problems.push(`${this.at(key)}: unknown setting (known: ${allowed.join(", ")})`);
    }
  }

  /** A reader over `section`, or over nothing when the section is absent (or wrong: reported). */
  static of(path: string, value: unknown, problems: string[], allowed: readonly string[]): SectionReader {
    if (value === undefined || value === null) return new SectionReader(path, {}, problems, allowed);
    if (typeof value !== "object" || Array.isArray(value)) {
      problems.push(`${path}: must be a mapping, got ${describe(value)}`);
      return new SectionReader(path, {}, problems, allowed);
    }
    return new SectionReader(path, value as Record<string, unknown>, problems, allowed);
  }

  at(key: string): string {
    return this.path === "" ? key : `${this.path}.${key}`;
  }

  has(key: string): boolean {
    return this.value[key] !== undefined && this.value[key] !== null;
  }

  raw(key: string): unknown {
    return this.value[key];
  }

  section(key: string, allowed: readonly string[]): SectionReader {
    return SectionReader.of(this.at(key), this.value[key], this.problems, allowed);
  }

  string(key: string, fallback: string, check?: (s: string) => string | undefined): string {
    const v = this.value[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== "string" || v === "") {
      this.problems.push(`${this.at(key)}: must be a non-empty string, got ${describe(v)}`);
      return fallback;
    }
    const problem = check?.(v);
    if (problem !== undefined) this.problems.push(`${this.at(key)}: ${problem}`);
    return v;
  }

  optionalString(key: string): string | undefined {
    return this.has(key) ? this.string(key, "") : undefined;
  }

  number(key: string, fallback: number, options: { min?: number; max?: number; integer?: boolean; exclusiveMin?: boolean } = {}): number {
    const v = this.value[key];
    if (v === undefined || v === null) return fallback;
    const n = typeof v === "number" ? v : NaN;
    const { min, max, integer, exclusiveMin } = options;
    const bad =
      !Number.isFinite(n) || (integer === true && !Number.isInteger(n)) || (min !== undefined && (exclusiveMin ? n <= min : n < min)) || (max !== undefined && n > max);
    if (bad) {
      const range = [min !== undefined ? `${exclusiveMin ? ">" : ">="} ${min}` : "", max !== undefined ? `<= ${max}` : ""].filter((s) => s !== "").join(" and ");
      this.problems.push(`${this.at(key)}: must be ${integer ? "an integer" : "a number"}${range ? ` ${range}` : ""}, got ${describe(v)}`);
      return fallback;
    }
    return n;
  }

  boolean(key: string, fallback: boolean): boolean {
    const v = this.value[key];
    if (v === undefined || v === null) return fallback;
    const parsed = parseBoolean(v);
    if (parsed === undefined) {
      this.problems.push(`${this.at(key)}: must be true or false, got ${describe(v)}`);
      return fallback;
    }
    return parsed;
  }

  oneOf<T extends string>(key: string, choices: readonly T[], fallback: T): T {
    const v = this.value[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== "string" || !(choices as readonly string[]).includes(v)) {
      this.problems.push(`${this.at(key)}: must be one of ${choices.join(", ")}, got ${describe(v)}`);
      return fallback;
    }
    return v as T;
  }

  stringList(key: string, fallback: readonly string[]): string[] {
    const v = this.value[key];
    if (v === undefined || v === null) return [...fallback];
    if (!Array.isArray(v) || v.some((s) => typeof s !== "string" || s === "")) {
      this.problems.push(`${this.at(key)}: must be a list of non-empty strings, got ${describe(v)}`);
      return [...fallback];
    }
    return v as string[];
  }
}

/** true/false, and the integration guide's string forms "true"/"false" (any case). */
export function parseBoolean(value: unknown): boolean | undefined {
  if (typeof value === "boolean") return value;
  if (typeof value === "string") {
    const lower = value.trim().toLowerCase();
    if (lower === "true") return true;
    if (lower === "false") return false;
  }
  return undefined;
}

export function describe(value: unknown): string {
  if (typeof value === "string") return `'${value}'`;
  if (Array.isArray(value)) return "a list";
  if (value === null) return "null";
  if (typeof value === "object") return "a mapping";
  return String(value);
}
