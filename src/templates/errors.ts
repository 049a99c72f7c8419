/** The one error of the template catalog and installer, mapped once at each edge (CLI exit code, HTTP status). */

/** One problem with its JSON pointer (into the template or dialog file) and a sentence saying what to do. */
export interface TemplateProblem {
  path: string;
  message: string;
}

export type TemplateErrorCode =
  | 'invalid_id'
  | 'unknown_template'
  | 'invalid_template'
  | 'not_installed'
  | 'conflict'
  | 'invalid_request';

const HTTP_STATUS: Record<TemplateErrorCode, number> = {
  invalid_id: 400,
  invalid_request: 400,
  unknown_template: 404,
  not_installed: 404,
  conflict: 409,
  invalid_template: 422,
};

export class TemplateError extends Error {
  readonly code: TemplateErrorCode;
  readonly details: TemplateProblem[];

  constructor(code: TemplateErrorCode, message: string, details: TemplateProblem[] = []) {
    super(message);
    this.name = 'TemplateError';
    this.code = code;
    this.details = details;
  }

  /** The HTTP status the admin API answers with (src/server maps it, with the rest of the error, once). */
  get httpStatus(): number {
    return HTTP_STATUS[this.code];
  }
}
