import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';

const TEMPLATE_DIR = fileURLToPath(new URL('../templates/', import.meta.url));

export class TemplateError extends Error {
  constructor(
    readonly template: string,
    reason: string,
  ) {
    super(`templates/${template}: ${reason}`);
    this.name = 'TemplateError';
  }
}

const env = Handlebars.create();

const compiled = new Map<string, Handlebars.TemplateDelegate>();

/**
 * Renders `templates/<name>` with HTML escaping off (these are config files, not pages) and strict
 * lookups, so that a field missing from the context fails the render instead of writing an empty value.
 */
export function renderTemplate(name: string, context: object): string {
  let template = compiled.get(name);
  if (!template) {
    let source: string;
    try {
      source = readFileSync(TEMPLATE_DIR + name, 'utf8');
    } catch {
      throw new TemplateError(name, 'no such template');
    }
    template = env.compile(source, { noEscape: true, strict: true });
    compiled.set(name, template);
  }
  try {
    return template(context);
  } catch (error) {
    throw new TemplateError(name, (error as Error).message);
  }
}
