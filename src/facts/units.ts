import { quote } from '../ssh/quote.ts';
import { FactError, type Fact } from './fact.ts';

export interface UnitState {
  /** `loaded`, `not-found`, … */
  readonly load: string;
  /** `active`, `inactive`, `failed`, … */
  readonly active: string;
  /** `enabled`, `disabled`, `static`, empty when not found, … */
  readonly unitFile: string;
}

/** One `systemctl show` for all units; it prints a block per unit, in the order asked. */
export function unitsFact(units: readonly string[]): Fact<Map<string, UnitState>> {
  return {
    name: 'units',
    command: `systemctl show -p Id,LoadState,ActiveState,UnitFileState -- ${units.map(quote).join(' ')}`,
    parse: (output) => parseUnits(output, units),
  };
}

export function parseUnits(output: string, units: readonly string[]): Map<string, UnitState> {
  const blocks = output
    .split(/\n\s*\n/)
    .map((block) => block.trim())
    .filter(Boolean);
  if (blocks.length !== units.length) throw new FactError('units', `expected ${units.length} blocks, got ${blocks.length}`);
  const states = new Map<string, UnitState>();
  blocks.forEach((block, index) => {
    const fields = new Map(block.split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
    states.set(units[index]!, {
      load: fields.get('LoadState') ?? '',
      active: fields.get('ActiveState') ?? '',
      unitFile: fields.get('UnitFileState') ?? '',
    });
  });
  return states;
}
