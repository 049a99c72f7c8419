/**
 * Templates and their installer: the catalog of pre-built templates (`templates/*.json`), installing them as dialog
 * tasks (`dialogs/*.json`), watching `dialogs/`, and the manifest generator. No HTTP here: the admin API's template
 * routes are the server's (src/server/routes/admin-templates.ts). See docs/DIALOGS.md.
 */
export { canonicalJson, dialogHash } from './canonical';
export { assertTaskId, defaultValidationOptions, TemplateCatalog, type TemplateCatalogOptions } from './catalog';
export { authorizationTypes, configFieldNames, configurationFields } from './definition';
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
export { ACTION_MANIFEST_ID, buildManifest, renderManifest, type BuildManifestOptions } from './manifest';
export { defaultDialogsDir, defaultTemplatesDir, isTaskId, packageRoot, TASK_ID_PATTERN } from './paths';
export {
  MANIFEST_SCHEMA_ID,
  manifestSchema,
  SCHEMA_FILES,
  TEMPLATE_SCHEMA_ID,
  templateSchema,
  type AuthorizationType,
  type Manifest,
  type ManifestField,
  type Template,
} from './schemas';
export { DialogWatcher, type DialogWatcherOptions } from './watcher';
export { validateTemplate, type TemplateValidation, type TemplateValidationOptions } from './validate';
