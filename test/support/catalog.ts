/**
 * Template ids as the catalog knows them (templates/*.json and the definition's required list), so that adding a
 * template touches its JSON, its conversation table and generated files, never a list in the tests.
 */
import { REQUIRED_TEMPLATES } from '../../src/definition';
import { TemplateCatalog } from '../../src/templates';

/** Every template id in the repo's catalog, sorted. */
export function templateIds(): Promise<string[]> {
  return new TemplateCatalog().ids();
}

/** The templates a zero-config start installs into an empty dialogs directory, sorted. */
export function requiredTemplateIds(): string[] {
  return [...REQUIRED_TEMPLATES].sort();
}
