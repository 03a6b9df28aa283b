import { quote } from '../ssh/quote.ts';
import { FactError, type Fact } from './fact.ts';

/** Which of the named kernel modules are loaded: /sys/module/NAME exists once one is (or is built in). */
export function modulesFact(names: readonly string[]): Fact<Set<string>> {
  return {
    name: 'modules',
    command: `for m in ${names.map(quote).join(' ')}; do if [ -d "/sys/module/$m" ]; then echo "$m loaded"; else echo "$m missing"; fi; done`,
    parse: parseModules,
  };
}

export function parseModules(output: string): Set<string> {
  const loaded = new Set<string>();
  for (const line of output.split('\n').filter(Boolean)) {
    const [name, state] = line.split(' ');
    if (!name || (state !== 'loaded' && state !== 'missing')) throw new FactError('modules', `unexpected line '${line}'`);
    if (state === 'loaded') loaded.add(name);
  }
  return loaded;
}
