/**
 * Templates and their installer: the catalog of pre-built templates (`templates/*.json`), installing them as dialog
 * tasks (`dialogs/*.json`), watching `dialogs/`, and the manifest generator. No HTTP here: the admin API's template
 * routes are the server's (src/server/routes/admin-templates.ts). See docs/DIALOGS.md.
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
  type TemplateAuditEntry,
  type DialogView,
  type InstallResult,
  type NodeRow,
  type Outcome,
  type TemplateListing,
  type TemplateState,
} from './installer';
export { buildManifest, renderManifest, type BuildManifestOptions } from './manifest';
export { defaultDialogsDir, defaultTemplatesDir, isTaskId, packageRoot, TASK_ID_PATTERN } from './paths';
export {
  SCHEMA_FILES,
  templateSchema,
  type Template,
} from './schemas';
export {
  isVerifyPhoneNumberResult,
  VERIFY_PHONE_NUMBER_OUTCOMES,
  type VerifyPhoneNumberOutcome,
  type VerifyPhoneNumberResult,
} from './results';
export { DialogWatcher, type DialogWatcherOptions } from './watcher';
export { validateTemplate, type TemplateValidation, type TemplateValidationOptions } from './validate';
