/**
 * Templates and their installer: the catalog of pre-built templates (`templates/*.json`), installing them as dialog
 * tasks (`dialogs/*.json`), the manifest generator, and the admin API routes. See docs/DIALOGS.md.
 */
export { canonicalJson, dialogHash } from './canonical';
export { assertTaskId, defaultValidationOptions, TemplateCatalog, type TemplateCatalogOptions } from './catalog';
export { TemplateError, type TemplateErrorCode, type TemplateProblem } from './errors';
export {
  compareVersions,
  conflictReport,
  DialogInstaller,
  INSTALLED_SCHEMA_REF,
  nodeRows,
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
export { buildManifest, renderManifest, type BuildManifestOptions } from './manifest';
export { defaultDialogsDir, defaultTemplatesDir, isTaskId, packageRoot, TASK_ID_PATTERN } from './paths';
export { registerTemplateRoutes, TEMPLATE_ROUTES_PREFIX, type TemplateRoutesDeps } from './routes';
export {
  SCHEMA_FILES,
  TEMPLATE_SCHEMA_ID,
  templateSchema,
  type Template,
} from './schemas';
export { validateTemplate, type TemplateValidation, type TemplateValidationOptions } from './validate';
