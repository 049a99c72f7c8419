/**
 * Templates and their installer: the catalog of pre-built templates (`templates/*.json`), installing them as dialog
 * tasks (`dialogs/*.json`), the manifest generator, and the admin API routes. See docs/DIALOGS.md.
 */
export { dialogHash } from './canonical';
export { defaultValidationOptions, TemplateCatalog, type TemplateCatalogOptions } from './catalog';
export { TemplateError, type TemplateErrorCode, type TemplateProblem } from './errors';
export {
  compareVersions,
  DialogInstaller,
  renderInstalledDialog,
  type BatchResult,
  type ChangeKind,
  type DialogChange,
  type DialogInstallerEvents,
  type DialogInstallerOptions,
  type DialogView,
  type InstallResult,
  type NodeRow,
  type Outcome,
  type TemplateListing,
  type TemplateState,
} from './installer';
export { buildManifest, type BuildManifestOptions } from './manifest';
export { defaultTemplatesDir, packageRoot } from './paths';
export { registerTemplateRoutes, TEMPLATE_ROUTES_PREFIX, type TemplateRoutesDeps } from './routes';
export {
  SCHEMA_FILES,
  templateSchema,
  type Template,
} from './schemas';
export { validateTemplate, type TemplateValidation, type TemplateValidationOptions } from './validate';
