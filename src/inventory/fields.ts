import { parseCidr, parseIPv4, type Cidr, type IPv4 } from '../net/ipv4.ts';
import { addressProblem, interfaceAddressProblem, MIN_INTERFACE_PREFIX, type AddressUse } from './address-rules.ts';
import type { IssueList } from './issues.ts';
import { fieldPath, show, showWithType } from './show.ts';

/** Why a string is refused, as a phrase after it ("is empty"), or undefined when it is fine. */
export type StringCheck = (text: string) => string | undefined;

/** Reads the fields of one subject (a host, a service) from untyped input, recording every problem. */
export class FieldReader {
  constructor(
    private readonly issues: IssueList,
    readonly subject: string,
    private readonly record: Record<string, unknown>,
    /** Where `record` sits inside the subject: `ssh`, `realServers[1]`, or '' for the subject itself. */
    private readonly path = '',
  ) {}

  /** `field` is a path relative to this reader, as `fieldPath` writes it. */
  problem(field: string, message: string): undefined {
    this.issues.add(this.subject, joinPath(this.path, field), message);
    return undefined;
  }

  rejectUnknown(known: readonly string[]): void {
    for (const key of Object.keys(this.record)) {
      if (!known.includes(key)) this.problem(fieldPath('', key), `unknown field (known: ${known.join(', ')})`);
    }
  }

  raw(field: string): unknown {
    return this.own(field);
  }

  has(field: string): boolean {
    return this.own(field) !== undefined;
  }

  string(field: string, required: boolean, check?: StringCheck): string | undefined {
    const value = this.own(field);
    if (value === undefined) return required ? this.problem(field, 'is required') : undefined;
    if (typeof value !== 'string' || value.trim() === '') return this.problem(field, `must be a non-empty string, got ${show(value)}`);
    const reason = check?.(value);
    return reason === undefined ? value : this.problem(field, `${show(value)} ${reason}`);
  }

  integer(field: string, min: number, max: number, required: boolean): number | undefined {
    const value = this.own(field);
    if (value === undefined) return required ? this.problem(field, 'is required') : undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      return this.problem(field, `must be a whole number from ${min} to ${max}, got ${showWithType(value)}`);
    }
    return value;
  }

  boolean(field: string, fallback: boolean): boolean | undefined {
    const value = this.own(field);
    if (value === undefined) return fallback;
    return typeof value === 'boolean' ? value : this.problem(field, `must be true or false, got ${showWithType(value)}`);
  }

  oneOf<T extends string>(field: string, allowed: readonly T[], fallback: T | undefined): T | undefined {
    const value = this.own(field);
    if (value === undefined) return fallback ?? this.problem(field, `is required (one of ${allowed.join(', ')})`);
    if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
      return this.problem(field, `${show(value)} is not one of ${allowed.join(', ')}`);
    }
    return value as T;
  }

  ipv4(field: string, required: boolean, use: AddressUse): IPv4 | undefined {
    const text = this.string(field, required);
    if (text === undefined) return undefined;
    const parsed = parseIPv4(text);
    if (!parsed.ok) return this.problem(field, `${show(text)} ${parsed.reason}`);
    const unusable = addressProblem(parsed.value, use);
    return unusable ? this.problem(field, unusable) : parsed.value;
  }

  /** An interface's addresses: one string or a list of them, each with its prefix length. */
  interfaceAddresses(field: string, value: unknown): Cidr[] | undefined {
    const texts = typeof value === 'string' ? [value] : value;
    if (!Array.isArray(texts) || texts.length === 0 || texts.some((t) => typeof t !== 'string')) {
      return this.problem(field, `must be an address like '192.168.10.71/24' or a list of them, got ${show(value)}`);
    }
    const cidrs: Cidr[] = [];
    for (const text of texts as string[]) {
      const parsed = parseCidr(text, MIN_INTERFACE_PREFIX);
      const unusable = parsed.ok ? interfaceAddressProblem(parsed.value) : `${show(text)} ${parsed.reason}`;
      if (unusable !== undefined) this.problem(field, unusable);
      else if (parsed.ok) cidrs.push(parsed.value);
    }
    return cidrs.length === texts.length ? cidrs : undefined;
  }

  object(field: string, required: boolean): Record<string, unknown> | undefined {
    const value = this.own(field);
    if (value === undefined) return required ? this.problem(field, 'is required') : undefined;
    return isRecord(value) ? value : this.problem(field, `must be an object, got ${show(value)}`);
  }

  list(field: string, what: string): unknown[] | undefined {
    const value = this.own(field);
    if (value === undefined) return this.problem(field, `is required: a list of ${what}`);
    // Array.from turns the holes of a sparse list into undefined entries, which are then refused.
    return Array.isArray(value) ? Array.from(value) : this.problem(field, `must be a list of ${what}, got ${show(value)}`);
  }

  child(field: string, record: Record<string, unknown>): FieldReader {
    return new FieldReader(this.issues, this.subject, record, joinPath(this.path, field));
  }

  // Only the record's own fields: `constructor` or `toString` are not fields an inventory gave.
  private own(field: string): unknown {
    return Object.hasOwn(this.record, field) ? this.record[field] : undefined;
  }
}

function joinPath(parent: string, field: string): string {
  if (parent === '') return field;
  return field.startsWith('[') ? `${parent}${field}` : `${parent}.${field}`;
}

/** A plain object, as YAML or an object literal makes: not a list, a Map, a Date or null. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return Object.prototype.toString.call(value) === '[object Object]';
}
