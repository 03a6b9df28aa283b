/** One problem found in an inventory, located by the host or service it belongs to and the field. */
export interface Issue {
  /** `host rs2`, `service tcp 172.16.10.81:80`, or `inventory`. */
  readonly subject: string;
  /** The field inside the subject, in the inventory's own spelling: `interfaces.eth0`, `realServers[1].host`. */
  readonly field: string;
  readonly message: string;
}

export function formatIssue(issue: Issue): string {
  return `${issue.subject}, ${issue.field}: ${issue.message}`;
}

export class InventoryError extends Error {
  constructor(
    readonly file: string,
    readonly issues: readonly Issue[],
  ) {
    super(`${file}: ${issues.length} problem${issues.length === 1 ? '' : 's'}\n${issues.map(formatIssue).join('\n')}`);
    this.name = 'InventoryError';
  }
}

/** The inventory file could not be read, parsed or type-checked; `location` is file:line:column. */
export class InventoryLoadError extends Error {
  constructor(
    readonly location: string,
    readonly reason: string,
  ) {
    super(`${location}: ${reason}`);
    this.name = 'InventoryLoadError';
  }
}

export class IssueList {
  readonly items: Issue[] = [];
  /** Returns undefined so that a parser can `return issues.add(...)` for the value it could not make. */
  add(subject: string, field: string, message: string): undefined {
    this.items.push({ subject, field, message });
    return undefined;
  }
}
