import { parseCidr, parseIPv4, type Cidr, type IPv4 } from '../net/ipv4.ts';
import type { IssueList } from './issues.ts';

/** Reads the fields of one subject (a host, a service) from untyped input, recording every problem. */
export class FieldReader {
  constructor(
    private readonly issues: IssueList,
    readonly subject: string,
    private readonly record: Record<string, unknown>,
    private readonly prefix = '',
  ) {}

  problem(field: string, message: string): undefined {
    this.issues.add(this.subject, this.prefix + field, message);
    return undefined;
  }

  rejectUnknown(known: readonly string[]): void {
    for (const key of Object.keys(this.record)) {
      if (!known.includes(key)) this.problem(key, `unknown field (known: ${known.join(', ')})`);
    }
  }

  raw(field: string): unknown {
    return this.record[field];
  }

  has(field: string): boolean {
    return this.record[field] !== undefined;
  }

  string(field: string, required: boolean): string | undefined {
    const value = this.record[field];
    if (value === undefined) return required ? this.problem(field, 'is required') : undefined;
    if (typeof value !== 'string' || value.trim() === '') return this.problem(field, `must be a non-empty string, got ${show(value)}`);
    return value;
  }

  integer(field: string, min: number, max: number, required: boolean): number | undefined {
    const value = this.record[field];
    if (value === undefined) return required ? this.problem(field, 'is required') : undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      return this.problem(field, `${show(value)} is out of range: it must be a whole number from ${min} to ${max}`);
    }
    return value;
  }

  oneOf<T extends string>(field: string, allowed: readonly T[], fallback: T | undefined): T | undefined {
    const value = this.record[field];
    if (value === undefined) return fallback ?? this.problem(field, `is required (one of ${allowed.join(', ')})`);
    if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
      return this.problem(field, `${show(value)} is not one of ${allowed.join(', ')}`);
    }
    return value as T;
  }

  ipv4(field: string, required: boolean): IPv4 | undefined {
    const text = this.string(field, required);
    if (text === undefined) return undefined;
    const parsed = parseIPv4(text);
    return parsed.ok ? parsed.value : this.problem(field, parsed.reason);
  }

  cidrs(field: string, value: unknown): Cidr[] | undefined {
    const texts = typeof value === 'string' ? [value] : value;
    if (!Array.isArray(texts) || texts.length === 0 || texts.some((t) => typeof t !== 'string')) {
      return this.problem(field, `must be an address like '192.168.10.71/24' or a list of them, got ${show(value)}`);
    }
    const cidrs: Cidr[] = [];
    for (const text of texts as string[]) {
      const parsed = parseCidr(text);
      if (parsed.ok) cidrs.push(parsed.value);
      else this.problem(field, parsed.reason);
    }
    return cidrs.length === texts.length ? cidrs : undefined;
  }

  object(field: string, required: boolean): Record<string, unknown> | undefined {
    const value = this.record[field];
    if (value === undefined) return required ? this.problem(field, 'is required') : undefined;
    return isRecord(value) ? value : this.problem(field, `must be an object, got ${show(value)}`);
  }

  child(field: string, record: Record<string, unknown>): FieldReader {
    return new FieldReader(this.issues, this.subject, record, `${this.prefix}${field}.`);
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function show(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : String(value);
}
